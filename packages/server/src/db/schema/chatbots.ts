// Chatbots, their settings, and the LLM integrations they answer through.
import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { TextSearchLanguage } from '../../lib/text-search.ts';
import type { LlmProvider } from '../../modules/providers/provider-types.ts';
import { timestamps } from './columns.ts';
import { tenantColumns } from './workspaces.ts';

export interface ModelSettings {
  temperature: number;
  max_output_tokens: number;
}

export interface RetrievalSettings {
  top_k: number;
  min_relevance: number;
  language: TextSearchLanguage;
}

export interface HandoffSettings {
  /** Whether the bot hands a conversation to a human, by request or after fallbacks. */
  enabled: boolean;
  /** A visitor message containing one of these asks for a human. */
  phrases: string[];
  /** Fallback replies in a row that hand over (0: never). */
  after_fallbacks: number;
  /** Said to the visitor when a human takes over. */
  message: string;
}

export interface LeadSettings {
  /** An email address written in chat becomes a lead of the bot. */
  capture_from_chat: boolean;
  /** The widget asks for contact details (and a name) before the first message. */
  ask_in_widget: boolean;
  /** What the widget's form asks for: an email, a phone number, or either of them. */
  widget_contact: LeadContact;
}

export type LeadContact = 'email' | 'phone' | 'email_or_phone';

export const DEFAULT_HANDOFF_SETTINGS: HandoffSettings = {
  enabled: true,
  phrases: [
    'talk to a human',
    'speak to a human',
    'talk to a person',
    'speak to a person',
    'real person',
    'human agent',
    'live agent',
    'talk to someone',
    'speak to someone',
    'customer service representative',
    'talk to an agent',
    'speak to an agent',
  ],
  after_fallbacks: 2,
  message: 'You are now connected with our team. A member of our team will reply here as soon as possible.',
};

export const DEFAULT_LEAD_SETTINGS: LeadSettings = {
  capture_from_chat: false,
  ask_in_widget: false,
  widget_contact: 'email',
};

export interface WidgetSettings {
  allowed_origins: string[];
  title: string;
  greeting: string;
  starter_questions: string[];
  position: 'bottom-right' | 'bottom-left';
  colors: { primary: string; background: string; text: string };
}

export const chatbots = pgTable(
  'chatbots',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    systemPrompt: text('system_prompt').notNull(),
    fallbackMessage: text('fallback_message').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    modelSettings: jsonb('model_settings').$type<ModelSettings>().notNull(),
    retrievalSettings: jsonb('retrieval_settings').$type<RetrievalSettings>().notNull(),
    widgetSettings: jsonb('widget_settings').$type<WidgetSettings>().notNull(),
    handoffSettings: jsonb('handoff_settings')
      .$type<HandoffSettings>()
      .notNull()
      .default(DEFAULT_HANDOFF_SETTINGS),
    leadSettings: jsonb('lead_settings').$type<LeadSettings>().notNull().default(DEFAULT_LEAD_SETTINGS),
    /** Identity verification: the secret sites sign their users' ids with, sealed by the secret box. */
    identitySecret: text('identity_secret'),
    identitySecretCreatedAt: timestamp('identity_secret_created_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
    /** Soft delete: the bot is gone from the API at once; a job purges its data. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [
    uniqueIndex('chatbots_slug_idx')
      .on(table.workspaceId, table.environment, table.slug)
      .where(sql`${table.deletedAt} IS NULL`),
    index('chatbots_scope_idx').on(table.workspaceId, table.environment, table.id),
  ],
);

export const integrationStatusEnum = pgEnum('integration_status', ['active', 'failing', 'disabled']);

export const integrations = pgTable(
  'integrations',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
    chatbotId: uuid('chatbot_id')
      .notNull()
      .references(() => chatbots.id, { onDelete: 'cascade' }),
    provider: text('provider').$type<LlmProvider>().notNull(),
    model: text('model').notNull(),
    embeddingModel: text('embedding_model'),
    baseUrl: text('base_url'),
    /** The provider key, sealed with PARLEY_SECRET_KEY (AES-256-GCM). Never returned. */
    apiKeyEncrypted: text('api_key_encrypted'),
    apiKeyLastFour: text('api_key_last_four'),
    status: integrationStatusEnum('status').notNull().default('active'),
    lastError: text('last_error'),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [
    index('integrations_chatbot_idx').on(table.chatbotId, table.id),
    // A chatbot answers through at most one enabled integration.
    uniqueIndex('integrations_one_enabled_idx').on(table.chatbotId).where(sql`${table.status} <> 'disabled'`),
  ],
);

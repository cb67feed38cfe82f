// The database schema. drizzle-kit generates migrations from this file; see db/migrations.
import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { TextSearchLanguage } from '../lib/text-search.ts';
import type { LlmProvider } from '../modules/providers/provider-types.ts';

export const environmentEnum = pgEnum('environment', ['live', 'test']);

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
};

export const workspaces = pgTable('workspaces', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  plan: text('plan').notNull(),
  /** The workspace created at first start; the CLI acts on it when no --workspace is given. */
  isDefault: boolean('is_default').notNull().default(false),
  ...timestamps,
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
    name: text('name').notNull(),
    /** SHA-256 of the whole secret, hex. The secret itself is never stored. */
    keyHash: text('key_hash').notNull(),
    /** The first characters of the secret, to recognise a key in lists. */
    displayPrefix: text('display_prefix').notNull(),
    lastFour: text('last_four').notNull(),
    createdAt: timestamps.createdAt,
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [
    uniqueIndex('api_keys_key_hash_idx').on(table.keyHash),
    index('api_keys_workspace_idx').on(table.workspaceId, table.environment, table.id),
  ],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
    key: text('key').notNull(),
    /** SHA-256 over method, path and body: the same key with another request is refused. */
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['in_flight', 'completed'] }).notNull(),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    responseHeaders: jsonb('response_headers').$type<Record<string, string>>(),
    lockedAt: timestamp('locked_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    createdAt: timestamps.createdAt,
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 })
      .notNull()
      .default(sql`now() + interval '24 hours'`),
  },
  (table) => [
    uniqueIndex('idempotency_keys_scope_idx').on(table.workspaceId, table.environment, table.key),
    index('idempotency_keys_expires_idx').on(table.expiresAt),
  ],
);

export interface ModelSettings {
  temperature: number;
  max_output_tokens: number;
}

export interface RetrievalSettings {
  top_k: number;
  min_relevance: number;
  language: TextSearchLanguage;
}

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
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    systemPrompt: text('system_prompt').notNull(),
    fallbackMessage: text('fallback_message').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    modelSettings: jsonb('model_settings').$type<ModelSettings>().notNull(),
    retrievalSettings: jsonb('retrieval_settings').$type<RetrievalSettings>().notNull(),
    widgetSettings: jsonb('widget_settings').$type<WidgetSettings>().notNull(),
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
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
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

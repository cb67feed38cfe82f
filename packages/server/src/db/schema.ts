// The database schema. drizzle-kit generates migrations from this file; see db/migrations.
import { sql } from 'drizzle-orm';
import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
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
  /** The widget asks for email (and name) before the first message. */
  ask_in_widget: boolean;
}

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

export const DEFAULT_LEAD_SETTINGS: LeadSettings = { capture_from_chat: false, ask_in_widget: false };

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

/** PostgreSQL tsvector; filled by SQL at insert (the language varies per chatbot). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const sourceTypeEnum = pgEnum('source_type', ['text', 'qa', 'url', 'website', 'sitemap', 'file']);
export const sourceStatusEnum = pgEnum('source_status', ['queued', 'processing', 'ready', 'failed']);

export interface SourceConfig {
  url?: string;
  include?: string[];
  exclude?: string[];
  max_pages?: number;
  max_depth?: number;
  content?: string;
  pairs?: { question: string; answer: string }[];
}

export const sources = pgTable(
  'sources',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
    chatbotId: uuid('chatbot_id')
      .notNull()
      .references(() => chatbots.id, { onDelete: 'cascade' }),
    type: sourceTypeEnum('type').notNull(),
    title: text('title').notNull(),
    config: jsonb('config').$type<SourceConfig>().notNull(),
    status: sourceStatusEnum('status').notNull().default('queued'),
    error: text('error'),
    pagesDiscovered: integer('pages_discovered').notNull().default(0),
    pagesProcessed: integer('pages_processed').notNull().default(0),
    pagesFailed: integer('pages_failed').notNull().default(0),
    chunkCount: integer('chunk_count').notNull().default(0),
    charCount: integer('char_count').notNull().default(0),
    /** Bumped by each sync; documents not seen in the current generation have disappeared. */
    generation: integer('generation').notNull().default(1),
    resyncIntervalHours: integer('resync_interval_hours'),
    nextResyncAt: timestamp('next_resync_at', { withTimezone: true, precision: 3 }),
    lastSyncedAt: timestamp('last_synced_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [
    index('sources_chatbot_idx').on(table.workspaceId, table.environment, table.chatbotId, table.id),
    index('sources_resync_idx').on(table.nextResyncAt),
  ],
);

/** Uploaded files are kept in the database so any worker node can (re)process them. */
export const sourceFiles = pgTable('source_files', {
  sourceId: uuid('source_id')
    .primaryKey()
    .references(() => sources.id, { onDelete: 'cascade' }),
  filename: text('filename').notNull(),
  contentType: text('content_type').notNull(),
  bytes: customType<{ data: Buffer }>({ dataType: () => 'bytea' })('bytes').notNull(),
});

export const documentStatusEnum = pgEnum('document_status', [
  'pending',
  'processing',
  'ready',
  'failed',
  'skipped',
]);

export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id').notNull(),
    environment: environmentEnum('environment').notNull(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    /** The page URL, or a stable key for documents that have none (text, file, Q&A pair). */
    url: text('url').notNull(),
    title: text('title').notNull().default(''),
    canonicalUrl: text('canonical_url'),
    status: documentStatusEnum('status').notNull().default('pending'),
    depth: integer('depth').notNull().default(0),
    httpStatus: integer('http_status'),
    etag: text('etag'),
    lastModified: text('last_modified'),
    contentHash: text('content_hash'),
    charCount: integer('char_count').notNull().default(0),
    chunkCount: integer('chunk_count').notNull().default(0),
    error: text('error'),
    seenGeneration: integer('seen_generation').notNull().default(0),
    fetchedAt: timestamp('fetched_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('documents_source_url_idx').on(table.sourceId, table.url),
    index('documents_source_status_idx').on(table.sourceId, table.status),
  ],
);

export const chunks = pgTable(
  'chunks',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id').notNull(),
    environment: environmentEnum('environment').notNull(),
    chatbotId: uuid('chatbot_id').notNull(),
    sourceId: uuid('source_id').notNull(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    title: text('title').notNull(),
    /** Heading path joined with " > ". */
    heading: text('heading').notNull().default(''),
    url: text('url'),
    text: text('text').notNull(),
    tokens: integer('tokens').notNull(),
    page: integer('page'),
    /** Set for Q&A pairs: the question, matched first at retrieval. */
    question: text('question'),
    search: tsvector('search').notNull(),
    createdAt: timestamps.createdAt,
  },
  (table) => [
    index('chunks_document_idx').on(table.documentId),
    index('chunks_chatbot_idx').on(table.chatbotId),
    index('chunks_search_idx').using('gin', table.search),
    index('chunks_text_trgm_idx').using('gin', sql`${table.text} gin_trgm_ops`),
  ],
);

// The lexical index of retrieval: postings, document frequencies and corpus sizes per chatbot, so
// BM25 runs over each bot's own statistics. Triggers on chunks (migration 0008) keep all three
// current on every insert and delete, cascades included; nothing else writes them.

/** One row per lexeme of a chunk; the index covers every column so scoring never reads the heap. */
export const retrievalPostings = pgTable(
  'retrieval_postings',
  {
    chatbotId: uuid('chatbot_id').notNull(),
    lexeme: text('lexeme').notNull(),
    chunkId: uuid('chunk_id').notNull(),
    /** The BM25 term-frequency part (saturated, length-normalised, title and heading count extra). */
    impact: real('impact').notNull(),
  },
  (table) => [index('retrieval_postings_idx').on(table.chatbotId, table.lexeme, table.chunkId, table.impact)],
);

export const retrievalTerms = pgTable(
  'retrieval_terms',
  {
    chatbotId: uuid('chatbot_id').notNull(),
    lexeme: text('lexeme').notNull(),
    /** Chunks of the bot containing the lexeme. */
    df: integer('df').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.chatbotId, table.lexeme] }),
    // Misspelled query words are matched to the bot's own vocabulary.
    index('retrieval_terms_trgm_idx').using('gin', sql`${table.lexeme} gin_trgm_ops`),
  ],
);

export const retrievalCorpus = pgTable('retrieval_corpus', {
  chatbotId: uuid('chatbot_id').primaryKey(),
  chunks: integer('chunks').notNull(),
});

/** The event outbox: written in the same transaction as the change; delivered after commit. */
export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamps.createdAt,
    /** When the webhook dispatcher turned the event into deliveries; null until then. */
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [
    index('events_scope_idx').on(table.workspaceId, table.environment, table.id),
    index('events_type_idx').on(table.workspaceId, table.environment, table.type, table.id),
    // The dispatcher's queue: small, since rows leave it as soon as they are dispatched.
    index('events_undispatched_idx').on(table.id).where(sql`dispatched_at IS NULL`),
  ],
);

export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types delivered, or ['*'] for all. */
    eventTypes: text('event_types').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    /** The signing secret (whsec_…), sealed with the secret box. */
    secretSealed: text('secret_sealed').notNull(),
    /** The secret before the last rotation: deliveries carry its signature too until it expires. */
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true, precision: 3 }),
    /** First failed attempt since the last success; an endpoint failing for long is disabled. */
    failingSince: timestamp('failing_since', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [index('webhooks_scope_idx').on(table.workspaceId, table.environment, table.id)],
);

export const webhookDeliveryStatusEnum = pgEnum('webhook_delivery_status', [
  'pending',
  'succeeded',
  'failed',
]);

/** One event for one endpoint: created once (unique pair), attempted until it succeeds or gives up. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    eventType: text('event_type').notNull(),
    status: webhookDeliveryStatusEnum('status').notNull().default('pending'),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, precision: 3 }),
    /** A sender holds the delivery until then; past it (the sender died) anyone may take it again. */
    lockedUntil: timestamp('locked_until', { withTimezone: true, precision: 3 }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('webhook_deliveries_event_idx').on(table.eventId, table.webhookId),
    index('webhook_deliveries_webhook_idx').on(table.webhookId, table.id),
    index('webhook_deliveries_due_idx')
      .on(table.nextAttemptAt, table.webhookId)
      .where(sql`status = 'pending'`),
  ],
);

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: uuid('id').primaryKey(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attemptedAt: timestamp('attempted_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The HTTP status, or null when no response came (timeout, refused connection, blocked address). */
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms').notNull(),
    error: text('error'),
    /** The first 1 KB of the response body. */
    responseBody: text('response_body'),
  },
  (table) => [index('webhook_attempts_delivery_idx').on(table.deliveryId, table.id)],
);

export const conversationStatusEnum = pgEnum('conversation_status', ['open', 'closed']);
export const conversationModeEnum = pgEnum('conversation_mode', ['ai', 'human']);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
    chatbotId: uuid('chatbot_id')
      .notNull()
      .references(() => chatbots.id, { onDelete: 'cascade' }),
    /** Where the visitor talks from: api, widget, or a messaging channel. */
    channel: text('channel').notNull().default('api'),
    status: conversationStatusEnum('status').notNull().default('open'),
    mode: conversationModeEnum('mode').notNull().default('ai'),
    visitorId: text('visitor_id'),
    customerEmail: text('customer_email'),
    customerName: text('customer_name'),
    /** The visitor's identity was signed by the site (identity verification). */
    verified: boolean('verified').notNull().default(false),
    assignee: text('assignee'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    messageCount: integer('message_count').notNull().default(0),
    /** Fallback replies in a row: automatic handoff counts them. */
    consecutiveFallbacks: integer('consecutive_fallbacks').notNull().default(0),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    ...timestamps,
  },
  (table) => [
    index('conversations_scope_idx').on(table.workspaceId, table.environment, table.lastMessageAt, table.id),
    index('conversations_chatbot_idx').on(table.chatbotId, table.lastMessageAt),
    index('conversations_email_idx').on(table.workspaceId, table.environment, table.customerEmail),
  ],
);

export const messageRoleEnum = pgEnum('message_role', ['user', 'assistant', 'agent', 'system']);

export interface StoredSource {
  chunk_id: string;
  source_id: string;
  document_id: string;
  title: string;
  url: string | null;
  snippet: string;
  /** The [n] marker the reply uses for this passage. */
  citation: number;
}

export interface RetrievedRef {
  chunk_id: string;
  score: number;
}

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id').notNull(),
    environment: environmentEnum('environment').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    chatbotId: uuid('chatbot_id').notNull(),
    role: messageRoleEnum('role').notNull(),
    content: text('content').notNull(),
    /** complete, or failed when the provider could not answer (the user message is kept either way). */
    status: text('status', { enum: ['complete', 'failed'] })
      .notNull()
      .default('complete'),
    provider: text('provider'),
    model: text('model'),
    grounded: boolean('grounded'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    latencyMs: integer('latency_ms'),
    sourcesUsed: jsonb('sources_used').$type<StoredSource[]>().notNull().default([]),
    /** The chunks retrieval returned for the question, best first, with their scores. */
    retrieved: jsonb('retrieved').$type<RetrievedRef[]>().notNull().default([]),
    authorName: text('author_name'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    feedbackRating: text('feedback_rating', { enum: ['up', 'down'] }),
    feedbackComment: text('feedback_comment'),
    feedbackAt: timestamp('feedback_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamps.createdAt,
  },
  (table) => [
    index('messages_conversation_idx').on(table.conversationId, table.id),
    index('messages_scope_idx').on(table.workspaceId, table.environment, table.id),
    // Inbox search (`q`) matches message text with ILIKE, which this index serves.
    index('messages_content_trgm_idx').using('gin', sql`${table.content} gin_trgm_ops`),
  ],
);

/** Chat replies counted per workspace and calendar month (UTC), live environment only. */
export const usageCounters = pgTable(
  'usage_counters',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** First day of the month, e.g. 2026-11-01. */
    period: text('period').notNull(),
    messages: integer('messages').notNull().default(0),
    updatedAt: timestamps.updatedAt,
  },
  (table) => [uniqueIndex('usage_counters_period_idx').on(table.workspaceId, table.period)],
);

export const leads = pgTable(
  'leads',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
    chatbotId: uuid('chatbot_id')
      .notNull()
      .references(() => chatbots.id, { onDelete: 'cascade' }),
    /** The conversation the lead was last captured in, if any. */
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    /** Lower-cased: one lead per bot and address. */
    email: text('email').notNull(),
    name: text('name'),
    phone: text('phone'),
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull().default({}),
    /** How it was captured: api, widget or chat. */
    capturedVia: text('captured_via').notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('leads_chatbot_email_idx').on(table.chatbotId, table.email),
    index('leads_scope_idx').on(table.workspaceId, table.environment, table.id),
  ],
);

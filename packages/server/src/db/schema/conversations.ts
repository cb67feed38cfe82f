// Conversations, their messages, leads, and usage counters.
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
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
import { chatbots } from './chatbots.ts';
import { timestamps } from './columns.ts';
import { users } from './people.ts';
import { tenantColumns, workspaces } from './workspaces.ts';

export const conversationStatusEnum = pgEnum('conversation_status', ['open', 'closed']);
export const conversationModeEnum = pgEnum('conversation_mode', ['ai', 'human']);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
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
    /** Free text set through PATCH (kept as it was); assigneeId is the person the inbox assigns. */
    assignee: text('assignee'),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    assignedAt: timestamp('assigned_at', { withTimezone: true, precision: 3 }),
    /** Snoozed until then: the inbox shows it as snoozed, and a visitor's message wakes it. */
    snoozedUntil: timestamp('snoozed_until', { withTimezone: true, precision: 3 }),
    /** Satisfaction asked after resolution: 1 to 5, with an optional comment. */
    csatRating: integer('csat_rating'),
    csatComment: text('csat_comment'),
    csatAt: timestamp('csat_at', { withTimezone: true, precision: 3 }),
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
    index('conversations_assignee_idx').on(table.assigneeId, table.status),
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
  /** The page of a paged document (PDF) the passage starts on; null or absent (stored before pages were kept) otherwise. */
  page?: number | null;
}

export interface RetrievedRef {
  chunk_id: string;
  score: number;
}

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns({ references: false }),
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
    ...tenantColumns(),
    chatbotId: uuid('chatbot_id')
      .notNull()
      .references(() => chatbots.id, { onDelete: 'cascade' }),
    /** The conversation the lead was last captured in, if any. */
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    /** Lower-cased: one lead per bot and address. Null for a lead known only by its phone. */
    email: text('email'),
    name: text('name'),
    /** As it was given. */
    phone: text('phone'),
    /** The phone number in E.164 (+4915112345678): how two spellings of one number are matched. */
    phoneKey: text('phone_key'),
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull().default({}),
    /** How it was captured: api, widget or chat. */
    capturedVia: text('captured_via').notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('leads_chatbot_email_idx').on(table.chatbotId, table.email),
    // One phone-only lead per number; a lead with an address may share its number with others.
    uniqueIndex('leads_chatbot_phone_only_idx')
      .on(table.chatbotId, table.phoneKey)
      .where(sql`${table.email} IS NULL`),
    index('leads_chatbot_phone_key_idx').on(table.chatbotId, table.phoneKey),
    index('leads_scope_idx').on(table.workspaceId, table.environment, table.id),
    check('leads_email_or_phone', sql`${table.email} IS NOT NULL OR ${table.phoneKey} IS NOT NULL`),
  ],
);

// Messaging channels (a chatbot on Telegram, Slack, WhatsApp, or any signed HTTP peer), the
// platform chats they map to conversations, and the log of every inbound update and outbound reply.
import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { chatbots } from './chatbots.ts';
import { timestamps } from './columns.ts';
import { conversations } from './conversations.ts';
import { tenantColumns } from './workspaces.ts';

export const channelStatusEnum = pgEnum('channel_status', ['active', 'disconnected', 'disabled']);

export const channels = pgTable(
  'channels',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
    chatbotId: uuid('chatbot_id')
      .notNull()
      .references(() => chatbots.id, { onDelete: 'cascade' }),
    type: text('type', { enum: ['telegram', 'slack', 'whatsapp', 'custom', 'email'] }).notNull(),
    name: text('name'),
    status: channelStatusEnum('status').notNull().default('active'),
    lastError: text('last_error'),
    /**
     * The token Parley calls the platform with (Telegram or Slack bot token, WhatsApp access
     * token), sealed with PARLEY_SECRET_KEY (AES-256-GCM). Never returned.
     */
    botTokenSealed: text('bot_token_sealed'),
    /**
     * The secret that authenticates the platform's webhook calls (Telegram secret_token, Slack
     * signing secret, WhatsApp app secret, a custom channel's Standard Webhooks secret), sealed;
     * null for Telegram when polling.
     */
    webhookSecretSealed: text('webhook_secret_sealed'),
    /** WhatsApp: the verify token of Meta's subscription handshake (GET), sealed. */
    verifyTokenSealed: text('verify_token_sealed'),
    /** The platform's non-secret settings (WhatsApp phone number id and template, custom URL). */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /** How updates arrive: the platform calls our webhook, or a worker polls for them. */
    mode: text('mode', { enum: ['webhook', 'polling'] }).notNull(),
    /** What the platform says about the bot account (Telegram getMe: id, username). */
    account: jsonb('account').$type<Record<string, unknown>>().notNull().default({}),
    /** Polling: the next update id to ask for. */
    pollOffset: bigint('poll_offset', { mode: 'number' }).notNull().default(0),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [index('channels_chatbot_idx').on(table.chatbotId, table.id)],
);

/** One platform chat (a Telegram chat, a Slack thread, a WhatsApp number) is one Parley conversation. */
export const channelThreads = pgTable(
  'channel_threads',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns({ references: false }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** When the visitor last wrote (WhatsApp's 24-hour customer-service window runs from it). */
    lastInboundAt: timestamp('last_inbound_at', { withTimezone: true, precision: 3 }),
    /**
     * When the chat was asked to rate the resolved conversation; set until the visitor's next
     * message, which is read as the rating when it is one.
     */
    ratingAskedAt: timestamp('rating_asked_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamps.createdAt,
  },
  (table) => [
    uniqueIndex('channel_threads_external_idx').on(table.channelId, table.externalId),
    index('channel_threads_conversation_idx').on(table.conversationId),
  ],
);

export type ChannelDeliveryStatus = 'pending' | 'processed' | 'sent' | 'ignored' | 'failed';

/**
 * Inbound updates and outbound replies of a channel. Inbound rows are the durable queue of work
 * (acknowledged to the platform once stored); outbound rows are the outbox of replies.
 */
export const channelDeliveries = pgTable(
  'channel_deliveries',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns({ references: false }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    direction: text('direction', { enum: ['inbound', 'outbound'] }).notNull(),
    /** Inbound only: the platform's id of the update (Telegram update_id), unique per channel. */
    platformMessageId: text('platform_message_id'),
    status: text('status').$type<ChannelDeliveryStatus>().notNull().default('pending'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    conversationId: uuid('conversation_id'),
    messageId: uuid('message_id'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    error: text('error'),
    ...timestamps,
  },
  (table) => [
    // Each platform update is processed exactly once, whatever retries and nodes deliver it.
    uniqueIndex('channel_deliveries_platform_idx').on(table.channelId, table.platformMessageId),
    index('channel_deliveries_channel_idx').on(table.channelId, table.id),
    index('channel_deliveries_pending_idx').on(table.channelId, table.id).where(sql`status = 'pending'`),
  ],
);

/**
 * What Parley registered at a platform for a channel that is now deleted (a Telegram webhook),
 * still to be removed there. Written in the transaction that deletes the channel, so that the
 * removal outlives the channel's row and a lost job or a platform outage delays it but never
 * forgets it; removed once the platform confirms, or given up after the last retry.
 */
export const channelRemovals = pgTable(
  'channel_removals',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns({ references: false }),
    /** The deleted channel's id (no reference: the channel is gone). */
    channelId: uuid('channel_id').notNull(),
    type: text('type', { enum: ['telegram', 'slack', 'whatsapp', 'custom', 'email'] }).notNull(),
    /** The token to call the platform with, sealed like the channel's own. */
    botTokenSealed: text('bot_token_sealed').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: timestamps.createdAt,
  },
  (table) => [index('channel_removals_due_idx').on(table.nextAttemptAt)],
);

/**
 * One-time tokens of signed inbound posts (Mailgun's `token`). Each is claimed by an insert under
 * the primary key, in the transaction that stores the post: of concurrent posts with one token,
 * exactly one is taken. Kept a day (a signature expires after five minutes), then purged.
 */
export const channelInboundTokens = pgTable(
  'channel_inbound_tokens',
  {
    ...tenantColumns({ references: false }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    token: text('token').notNull(),
    createdAt: timestamps.createdAt,
  },
  (table) => [
    primaryKey({ columns: [table.channelId, table.token] }),
    index('channel_inbound_tokens_created_idx').on(table.createdAt),
  ],
);

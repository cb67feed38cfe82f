// The event outbox, webhooks, and their deliveries and attempts.
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
import { timestamps } from './columns.ts';
import { tenantColumns } from './workspaces.ts';

export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
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

/** A secret replaced by a rotation, still signing until `expires_at` (ISO 8601). */
export interface PreviousWebhookSecret {
  sealed: string;
  expires_at: string;
}

export type WebhookIdFormat = 'typeid' | 'uuid';

export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types delivered, or ['*'] for all. */
    eventTypes: text('event_types').array().notNull(),
    /** How ids are written in payloads: TypeIDs (conv_…), or bare UUIDs for a client that uses them. */
    idFormat: text('id_format').$type<WebhookIdFormat>().notNull().default('typeid'),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    /** The signing secret (whsec_…), sealed with the secret box. */
    secretSealed: text('secret_sealed').notNull(),
    /** Secrets replaced by rotations: deliveries carry their signatures too until each expires. */
    previousSecrets: jsonb('previous_secrets').$type<PreviousWebhookSecret[]>().notNull().default([]),
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

// Workspaces, their API keys, and stored idempotent requests.
import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { environmentEnum, timestamps } from './columns.ts';

export const workspaces = pgTable('workspaces', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  plan: text('plan').notNull(),
  /** The workspace created at first start; the CLI acts on it when no --workspace is given. */
  isDefault: boolean('is_default').notNull().default(false),
  ...timestamps,
});

/**
 * The tenant of a row: its workspace and environment. Every tenant table has both, and every
 * repository query filters on both (db/tenant-scope.ts). `references: false` for rows removed
 * with a parent row of the same tenant (messages, documents, chunks), which have no foreign key
 * to the workspace.
 */
export function tenantColumns(options: { references?: boolean } = {}) {
  const workspaceId = uuid('workspace_id').notNull();
  return {
    workspaceId:
      options.references === false
        ? workspaceId
        : workspaceId.references(() => workspaces.id, { onDelete: 'cascade' }),
    environment: environmentEnum('environment').notNull(),
  };
}

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
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
    ...tenantColumns(),
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

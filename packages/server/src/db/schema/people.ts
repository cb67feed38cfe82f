// The people of a workspace (owners, admins, agents), their sign-in sessions, and the one-time
// tokens of invitations and password resets.
import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { environmentEnum, timestamps } from './columns.ts';
import { workspaces } from './workspaces.ts';

export const userRoleEnum = pgEnum('user_role', ['owner', 'admin', 'agent']);
export const userAvailabilityEnum = pgEnum('user_availability', ['online', 'away', 'offline']);

/**
 * A person of a workspace. Not per environment: one login works the live and the test inbox,
 * the session says which. password_hash is null until an invited person sets a password.
 */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** Lower-cased. */
    email: text('email').notNull(),
    name: text('name'),
    role: userRoleEnum('role').notNull(),
    /** argon2id (PHC string). */
    passwordHash: text('password_hash'),
    availability: userAvailabilityEnum('availability').notNull().default('offline'),
    /**
     * When availability last changed: idle time counts from the later of this and last_seen_at,
     * and an offline person's conversations return to the queue a set time after it.
     */
    availabilityChangedAt: timestamp('availability_changed_at', { withTimezone: true, precision: 3 })
      .notNull()
      .defaultNow(),
    /** How many open conversations automatic assignment gives this person at most. */
    capacity: integer('capacity').notNull().default(5),
    /** When automatic assignment last gave this person a conversation: the round-robin order. */
    lastAssignedAt: timestamp('last_assigned_at', { withTimezone: true, precision: 3 }),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('users_workspace_email_idx').on(table.workspaceId, table.email),
    index('users_email_idx').on(table.email),
  ],
);

export const userSessions = pgTable(
  'user_sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id').notNull(),
    /** The environment the session works in: live unless chosen at sign-in. */
    environment: environmentEnum('environment').notNull().default('live'),
    /** SHA-256 of the cookie's secret; the secret itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    /** The anti-CSRF token, sent back in X-CSRF-Token on every unsafe request of the session. */
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamps.createdAt,
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (table) => [
    uniqueIndex('user_sessions_token_idx').on(table.tokenHash),
    index('user_sessions_user_idx').on(table.userId),
  ],
);

export const userTokenPurposeEnum = pgEnum('user_token_purpose', ['invite', 'password_reset']);

/** Invitation and password-reset links: single use, expiring, stored as hashes. */
export const userTokens = pgTable(
  'user_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: userTokenPurposeEnum('purpose').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamps.createdAt,
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [
    uniqueIndex('user_tokens_hash_idx').on(table.tokenHash),
    index('user_tokens_user_idx').on(table.userId).where(sql`${table.usedAt} IS NULL`),
  ],
);

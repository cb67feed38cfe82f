// The team inbox around conversations: labels, private notes, canned replies, and what each
// person has read.
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.ts';
import { conversations, messages } from './conversations.ts';
import { users } from './people.ts';
import { tenantColumns } from './workspaces.ts';

export const labels = pgTable(
  'labels',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
    name: text('name').notNull(),
    /** #rrggbb */
    color: text('color').notNull(),
    description: text('description'),
    ...timestamps,
  },
  (table) => [uniqueIndex('labels_scope_name_idx').on(table.workspaceId, table.environment, table.name)],
);

export const conversationLabels = pgTable(
  'conversation_labels',
  {
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    labelId: uuid('label_id')
      .notNull()
      .references(() => labels.id, { onDelete: 'cascade' }),
    ...tenantColumns({ references: false }),
    createdAt: timestamps.createdAt,
  },
  (table) => [
    primaryKey({ columns: [table.conversationId, table.labelId] }),
    index('conversation_labels_label_idx').on(table.labelId),
  ],
);

/** Notes the team leaves on a conversation: never shown to the visitor, never sent to a channel. */
export const conversationNotes = pgTable(
  'conversation_notes',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns({ references: false }),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** The person who wrote it; null when written with an API key or the person was removed. */
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    authorName: text('author_name'),
    content: text('content').notNull(),
    /** The people @mentioned in it. */
    mentionedUserIds: uuid('mentioned_user_ids').array().notNull().default([]),
    createdAt: timestamps.createdAt,
  },
  (table) => [index('conversation_notes_conversation_idx').on(table.conversationId, table.id)],
);

export const cannedReplies = pgTable(
  'canned_replies',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
    /** What an agent types after '/' to pick it; unique in the workspace and environment. */
    shortcut: text('shortcut').notNull(),
    content: text('content').notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('canned_replies_shortcut_idx').on(table.workspaceId, table.environment, table.shortcut),
  ],
);

/** Read receipts: the last message each person has read in a conversation. */
export const conversationReads = pgTable(
  'conversation_reads',
  {
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lastReadMessageId: uuid('last_read_message_id').references(() => messages.id, { onDelete: 'set null' }),
    readAt: timestamp('read_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.conversationId, table.userId] })],
);

/**
 * What a person was told on their live stream while not online (assigned, mentioned, a visitor's
 * message in their conversation), kept until it is mailed: written in the transaction of the
 * change, so a crash never loses it. At most one waits per person, conversation and reason;
 * later ones of the same kind go into the same mail.
 */
export const personNotices = pgTable(
  'person_notices',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns({ references: false }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** assigned | mentioned | message */
    reason: text('reason').notNull(),
    /** The note or message the notice is about (the conversation for an assignment). */
    refId: uuid('ref_id').notNull(),
    createdAt: timestamps.createdAt,
    /** When its mail job was queued; queued again when it has not finished an hour later. */
    queuedAt: timestamp('queued_at', { withTimezone: true, precision: 3 }),
    attempts: integer('attempts').notNull().default(0),
    /** When it was settled, and how: mailed, skipped (back online, no mail set up), failed. */
    doneAt: timestamp('done_at', { withTimezone: true, precision: 3 }),
    outcome: text('outcome'),
  },
  (table) => [
    uniqueIndex('person_notices_waiting_idx')
      .on(table.userId, table.conversationId, table.reason)
      .where(sql`${table.doneAt} IS NULL`),
    index('person_notices_due_idx').on(table.createdAt).where(sql`${table.doneAt} IS NULL`),
  ],
);

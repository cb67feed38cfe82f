// SQL for the inbox: filtered lists of conversations (newest activity first, or id order for
// exports), deletion, and the messages of many conversations at once.
import { and, asc, desc, eq, gt, ilike, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { conversationLabels, conversations, messages } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { ConversationRow, MessageRow } from './conversation-schemas.ts';

export interface ConversationFilters {
  chatbotId?: string;
  status?: 'open' | 'closed';
  mode?: 'ai' | 'human';
  channel?: string;
  email?: string;
  updatedAfter?: Date;
  /** Text that one of the conversation's messages contains (case-insensitive). */
  q?: string;
  /** A person's id, or null for conversations nobody is assigned. */
  assigneeId?: string | null;
  labelId?: string;
  inboxStatus?: 'open' | 'pending' | 'snoozed' | 'resolved';
}

/** The condition for an inbox status (see inboxStatusOf in conversation-schemas.ts). */
function inboxStatusIs(status: NonNullable<ConversationFilters['inboxStatus']>): SQL {
  const snoozed = sql`(${conversations.snoozedUntil} IS NOT NULL AND ${conversations.snoozedUntil} > now())`;
  switch (status) {
    case 'resolved':
      return sql`${conversations.status} = 'closed'`;
    case 'snoozed':
      return sql`${conversations.status} = 'open' AND ${snoozed}`;
    case 'pending':
      return sql`${conversations.status} = 'open' AND NOT ${snoozed} AND ${conversations.mode} = 'ai'`;
    case 'open':
      return sql`${conversations.status} = 'open' AND NOT ${snoozed} AND ${conversations.mode} = 'human'`;
  }
}

/** Position in the newest-activity-first order: the last row of the previous page. */
export interface ActivityCursor {
  lastMessageAt: Date;
  id: string;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function matching(scope: Scope, filters: ConversationFilters): SQL | undefined {
  return and(
    eq(conversations.workspaceId, scope.workspaceId),
    eq(conversations.environment, scope.environment),
    filters.chatbotId ? eq(conversations.chatbotId, filters.chatbotId) : undefined,
    filters.status ? eq(conversations.status, filters.status) : undefined,
    filters.mode ? eq(conversations.mode, filters.mode) : undefined,
    filters.channel ? eq(conversations.channel, filters.channel) : undefined,
    filters.email ? eq(conversations.customerEmail, filters.email.toLowerCase()) : undefined,
    filters.updatedAfter ? gt(conversations.updatedAt, filters.updatedAfter) : undefined,
    filters.assigneeId === undefined
      ? undefined
      : filters.assigneeId === null
        ? sql`${conversations.assigneeId} IS NULL`
        : eq(conversations.assigneeId, filters.assigneeId),
    filters.labelId
      ? sql`exists (select 1 from ${conversationLabels} where ${conversationLabels.conversationId} = ${conversations.id} and ${conversationLabels.labelId} = ${filters.labelId})`
      : undefined,
    filters.inboxStatus ? inboxStatusIs(filters.inboxStatus) : undefined,
    filters.q
      ? sql`exists (select 1 from ${messages} where ${messages.conversationId} = ${conversations.id} and ${ilike(
          messages.content,
          `%${escapeLike(filters.q)}%`,
        )})`
      : undefined,
  );
}

export async function listConversations(
  db: Executor,
  scope: Scope,
  filters: ConversationFilters,
  page: { limit: number; after: ActivityCursor | null },
): Promise<ConversationRow[]> {
  const after = page.after;
  return db
    .select()
    .from(conversations)
    .where(
      and(
        matching(scope, filters),
        after
          ? or(
              lt(conversations.lastMessageAt, after.lastMessageAt),
              and(eq(conversations.lastMessageAt, after.lastMessageAt), lt(conversations.id, after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
    .limit(page.limit);
}

/**
 * Matching conversations, newest created first, after the one `beforeId` names: an order that a
 * new message does not change, so a walk through the pages sees each conversation once.
 */
export async function listConversationsByCreation(
  db: Executor,
  scope: Scope,
  filters: ConversationFilters,
  page: { limit: number; beforeId: string | null },
): Promise<ConversationRow[]> {
  return db
    .select()
    .from(conversations)
    .where(and(matching(scope, filters), page.beforeId ? lt(conversations.id, page.beforeId) : undefined))
    .orderBy(desc(conversations.id))
    .limit(page.limit);
}

export async function countConversations(
  db: Executor,
  scope: Scope,
  filters: ConversationFilters,
): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(conversations)
    .where(matching(scope, filters));
  return row?.count ?? 0;
}

/** A batch of matching conversations in id order, for exports that walk them all. */
export async function conversationBatch(
  db: Executor,
  scope: Scope,
  filters: ConversationFilters,
  afterId: string | null,
  limit: number,
): Promise<ConversationRow[]> {
  return db
    .select()
    .from(conversations)
    .where(and(matching(scope, filters), afterId ? gt(conversations.id, afterId) : undefined))
    .orderBy(asc(conversations.id))
    .limit(limit);
}

/** The messages of the given conversations, each conversation's in order. */
export async function messagesOf(db: Executor, conversationIds: string[]): Promise<MessageRow[]> {
  if (conversationIds.length === 0) return [];
  return db
    .select()
    .from(messages)
    .where(inArray(messages.conversationId, conversationIds))
    .orderBy(asc(messages.conversationId), asc(messages.id));
}

export async function deleteConversation(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .delete(conversations)
    .where(
      and(
        eq(conversations.workspaceId, scope.workspaceId),
        eq(conversations.environment, scope.environment),
        eq(conversations.id, id),
      ),
    )
    .returning({ id: conversations.id });
  return rows.length > 0;
}

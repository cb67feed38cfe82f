// SQL for conversations and their messages. Every query filters on workspace and environment.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { conversations, messages } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { ConversationRow, MessageRow } from './conversation-schemas.ts';

export async function insertConversation(
  db: Executor,
  row: typeof conversations.$inferInsert,
): Promise<ConversationRow> {
  const [created] = await db.insert(conversations).values(row).returning();
  return created!;
}

export async function findConversation(
  db: Executor,
  scope: Scope,
  id: string,
): Promise<ConversationRow | null> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.workspaceId, scope.workspaceId),
        eq(conversations.environment, scope.environment),
        eq(conversations.id, id),
      ),
    );
  return row ?? null;
}

export async function updateConversation(
  db: Executor,
  scope: Scope,
  id: string,
  changes: Partial<typeof conversations.$inferInsert>,
): Promise<ConversationRow | null> {
  const [row] = await db
    .update(conversations)
    .set({ ...changes, updatedAt: new Date() })
    .where(
      and(
        eq(conversations.workspaceId, scope.workspaceId),
        eq(conversations.environment, scope.environment),
        eq(conversations.id, id),
      ),
    )
    .returning();
  return row ?? null;
}

/**
 * Adds a message and moves the conversation's counters in the same statement pair, so the count
 * never drifts from the rows. `fallback` tracks replies in a row that had no answer.
 */
export async function insertMessage(
  db: Executor,
  row: typeof messages.$inferInsert,
  counters: { fallback?: boolean } = {},
): Promise<MessageRow> {
  const [created] = await db.insert(messages).values(row).returning();
  const fallbacks =
    counters.fallback === undefined
      ? sql`${conversations.consecutiveFallbacks}`
      : counters.fallback
        ? sql`${conversations.consecutiveFallbacks} + 1`
        : sql`0`;
  await db
    .update(conversations)
    .set({
      messageCount: sql`${conversations.messageCount} + 1`,
      lastMessageAt: created!.createdAt,
      updatedAt: created!.createdAt,
      consecutiveFallbacks: fallbacks,
    })
    .where(eq(conversations.id, row.conversationId));
  return created!;
}

export async function findMessage(db: Executor, scope: Scope, id: string): Promise<MessageRow | null> {
  const [row] = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.workspaceId, scope.workspaceId),
        eq(messages.environment, scope.environment),
        eq(messages.id, id),
      ),
    );
  return row ?? null;
}

export async function updateMessage(
  db: Executor,
  scope: Scope,
  id: string,
  changes: Partial<typeof messages.$inferInsert>,
): Promise<MessageRow | null> {
  const [row] = await db
    .update(messages)
    .set(changes)
    .where(
      and(
        eq(messages.workspaceId, scope.workspaceId),
        eq(messages.environment, scope.environment),
        eq(messages.id, id),
      ),
    )
    .returning();
  return row ?? null;
}

/** The conversation's messages, oldest first, after the given id. */
export async function listMessages(
  db: Executor,
  scope: Scope,
  conversationId: string,
  page: { limit: number; afterId: string | null },
): Promise<MessageRow[]> {
  return db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.workspaceId, scope.workspaceId),
        eq(messages.environment, scope.environment),
        eq(messages.conversationId, conversationId),
        page.afterId ? gt(messages.id, page.afterId) : undefined,
      ),
    )
    .orderBy(asc(messages.id))
    .limit(page.limit);
}

/** The last `limit` messages of a conversation, oldest first: the history a reply is built on. */
export async function recentMessages(
  db: Executor,
  conversationId: string,
  limit: number,
): Promise<MessageRow[]> {
  const rows = await db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(sql`${messages.id} desc`)
    .limit(limit);
  return rows.reverse();
}

/** Reads the conversation and locks its row until the transaction ends (mode/status changes). */
export async function lockConversation(
  db: Executor,
  scope: Scope,
  id: string,
): Promise<ConversationRow | null> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.workspaceId, scope.workspaceId),
        eq(conversations.environment, scope.environment),
        eq(conversations.id, id),
      ),
    )
    .for('update');
  return row ?? null;
}

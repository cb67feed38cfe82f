// SQL for read receipts: the last message each person has read in a conversation.
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { conversationReads, messages } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';

export type ReceiptRow = typeof conversationReads.$inferSelect;

/** The conversation's newest message, or the given one when it is the conversation's. */
export async function messageToMark(
  db: Executor,
  scope: Scope,
  conversationId: string,
  messageId: string | null,
): Promise<string | null> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.workspaceId, scope.workspaceId),
        eq(messages.environment, scope.environment),
        eq(messages.conversationId, conversationId),
        messageId ? eq(messages.id, messageId) : undefined,
      ),
    )
    .orderBy(sql`${messages.id} DESC`)
    .limit(1);
  return row?.id ?? null;
}

/** Records the person's read position; it only moves forward (ids are time-ordered). */
export async function markRead(
  db: Executor,
  conversationId: string,
  userId: string,
  messageId: string | null,
): Promise<ReceiptRow> {
  const [row] = await db
    .insert(conversationReads)
    .values({ conversationId, userId, lastReadMessageId: messageId })
    .onConflictDoUpdate({
      target: [conversationReads.conversationId, conversationReads.userId],
      set: {
        lastReadMessageId: sql`GREATEST(${conversationReads.lastReadMessageId}, excluded.last_read_message_id)`,
        readAt: sql`now()`,
      },
    })
    .returning();
  return row!;
}

export async function receiptsOf(db: Executor, conversationId: string): Promise<ReceiptRow[]> {
  return db
    .select()
    .from(conversationReads)
    .where(eq(conversationReads.conversationId, conversationId))
    .orderBy(asc(conversationReads.userId));
}

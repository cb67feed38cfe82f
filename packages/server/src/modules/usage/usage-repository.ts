// SQL for the monthly message counters: one row per workspace and month, moved atomically.
import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { usageCounters } from '../../db/schema.ts';

/**
 * Counts one message if the counter is under `limit` (null: no limit), in one statement, so
 * concurrent chats on any number of nodes can never go past the limit. Returns false when full.
 */
export async function tryCount(
  db: Executor,
  workspaceId: string,
  period: string,
  limit: number | null,
): Promise<boolean> {
  if (limit !== null && limit <= 0) return false;
  const rows = await db
    .insert(usageCounters)
    .values({ workspaceId, period, messages: 1 })
    .onConflictDoUpdate({
      target: [usageCounters.workspaceId, usageCounters.period],
      set: { messages: sql`${usageCounters.messages} + 1`, updatedAt: sql`now()` },
      ...(limit === null ? {} : { setWhere: sql`${usageCounters.messages} < ${limit}` }),
    })
    .returning({ messages: usageCounters.messages });
  return rows.length > 0;
}

/** Gives back a counted message whose reply never came (the provider failed). */
export async function uncount(db: Executor, workspaceId: string, period: string): Promise<void> {
  await db
    .update(usageCounters)
    .set({ messages: sql`greatest(${usageCounters.messages} - 1, 0)`, updatedAt: sql`now()` })
    .where(and(eq(usageCounters.workspaceId, workspaceId), eq(usageCounters.period, period)));
}

export async function countOf(db: Executor, workspaceId: string, period: string): Promise<number> {
  const [row] = await db
    .select({ messages: usageCounters.messages })
    .from(usageCounters)
    .where(and(eq(usageCounters.workspaceId, workspaceId), eq(usageCounters.period, period)));
  return row?.messages ?? 0;
}

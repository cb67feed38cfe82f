// SQL for assigning conversations to people: the queue (open conversations with people, nobody
// assigned, not snoozed) and the next person round-robin gives one to.
import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { conversations, users } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { ConversationRow } from './conversation-schemas.ts';

/** Serialises automatic assignment per workspace and environment (across nodes). */
export async function lockQueue(tx: Executor, scope: Scope): Promise<void> {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtext(${`assign:${scope.workspaceId}:${scope.environment}`}))`,
  );
}

/** The conversation that has waited longest in the queue, locked. */
export async function nextQueued(tx: Executor, scope: Scope, now: Date): Promise<ConversationRow | null> {
  const [row] = await tx
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.workspaceId, scope.workspaceId),
        eq(conversations.environment, scope.environment),
        eq(conversations.status, 'open'),
        eq(conversations.mode, 'human'),
        sql`${conversations.assigneeId} IS NULL`,
        sql`(${conversations.snoozedUntil} IS NULL OR ${conversations.snoozedUntil} <= ${now})`,
      ),
    )
    .orderBy(conversations.lastMessageAt, conversations.id)
    .limit(1)
    .for('update', { skipLocked: true });
  return row ?? null;
}

/**
 * The person round-robin gives the next conversation to: online, signed up, under their
 * capacity of open conversations; the least loaded first, then whoever waited longest since
 * their last one, so that load stays even.
 */
export async function nextAssignee(tx: Executor, workspaceId: string): Promise<string | null> {
  const result = await tx.execute(sql`
    SELECT u.id
    FROM ${users} u
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS open
      FROM ${conversations} c
      WHERE c.assignee_id = u.id AND c.status = 'open'
    ) load
    WHERE u.workspace_id = ${workspaceId}
      AND u.availability = 'online'
      AND u.password_hash IS NOT NULL
      AND load.open < u.capacity
    ORDER BY load.open ASC, u.last_assigned_at ASC NULLS FIRST, u.id ASC
    LIMIT 1`);
  const rows = (result as unknown as { rows: { id: string }[] }).rows;
  return rows[0]?.id ?? null;
}

export async function markAssigned(tx: Executor, userId: string, now: Date): Promise<void> {
  await tx.update(users).set({ lastAssignedAt: now }).where(eq(users.id, userId));
}

// SQL for agent loops, executions and steps. Loops and executions filter on workspace and
// environment; steps are only ever reached through an execution already found in scope.
import { and, asc, desc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { agentLoopExecutions, agentLoopSteps, agentLoops, type ExecutionStatus } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';
import type { ExecutionRow, LoopRow, StepRow } from './agent-loop-schemas.ts';

export const OPEN_STATUSES: ExecutionStatus[] = ['queued', 'running', 'awaiting_approval'];

export async function insertLoop(db: Executor, row: typeof agentLoops.$inferInsert): Promise<LoopRow> {
  const [inserted] = await db.insert(agentLoops).values(row).returning();
  return inserted!;
}

export async function findLoop(db: Executor, scope: Scope, id: string): Promise<LoopRow | null> {
  const [row] = await db
    .select()
    .from(agentLoops)
    .where(and(inScope(agentLoops, scope), eq(agentLoops.id, id)));
  return row ?? null;
}

/** A loop by id alone, for workers that start from a job or a schedule. */
export async function findLoopById(db: Executor, id: string): Promise<LoopRow | null> {
  const [row] = await db.select().from(agentLoops).where(eq(agentLoops.id, id));
  return row ?? null;
}

export async function listLoops(
  db: Executor,
  scope: Scope,
  page: { limit: number; beforeId: string | null },
): Promise<LoopRow[]> {
  return db
    .select()
    .from(agentLoops)
    .where(and(inScope(agentLoops, scope), page.beforeId ? lt(agentLoops.id, page.beforeId) : undefined))
    .orderBy(desc(agentLoops.id))
    .limit(page.limit);
}

export async function updateLoop(
  db: Executor,
  scope: Scope,
  id: string,
  set: Partial<typeof agentLoops.$inferInsert>,
): Promise<LoopRow | null> {
  const [row] = await db
    .update(agentLoops)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(inScope(agentLoops, scope), eq(agentLoops.id, id)))
    .returning();
  return row ?? null;
}

export async function deleteLoop(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .delete(agentLoops)
    .where(and(inScope(agentLoops, scope), eq(agentLoops.id, id)))
    .returning({ id: agentLoops.id });
  return rows.length > 0;
}

/** Enabled event-triggered loops of a tenant, for matching a recorded event. */
export async function listEventLoops(db: Executor, scope: Scope, event: string): Promise<LoopRow[]> {
  return db
    .select()
    .from(agentLoops)
    .where(
      and(
        inScope(agentLoops, scope),
        eq(agentLoops.enabled, true),
        sql`${agentLoops.trigger}->>'type' = 'event'`,
        sql`${agentLoops.trigger}->>'event' = ${event}`,
      ),
    );
}

/** Cron loops whose next run is due, locked so that two schedulers never start one run twice. */
export async function claimDueLoops(db: Executor, now: Date, limit: number): Promise<LoopRow[]> {
  return db
    .select()
    .from(agentLoops)
    .where(and(eq(agentLoops.enabled, true), lte(agentLoops.nextRunAt, now)))
    .orderBy(asc(agentLoops.nextRunAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function insertExecution(
  db: Executor,
  row: typeof agentLoopExecutions.$inferInsert,
): Promise<ExecutionRow> {
  const [inserted] = await db.insert(agentLoopExecutions).values(row).returning();
  return inserted!;
}

export async function findExecution(db: Executor, scope: Scope, id: string): Promise<ExecutionRow | null> {
  const [row] = await db
    .select()
    .from(agentLoopExecutions)
    .where(and(inScope(agentLoopExecutions, scope), eq(agentLoopExecutions.id, id)));
  return row ?? null;
}

export async function findExecutionById(
  db: Executor,
  id: string,
  lock = false,
): Promise<ExecutionRow | null> {
  const query = db.select().from(agentLoopExecutions).where(eq(agentLoopExecutions.id, id));
  const [row] = lock ? await query.for('update') : await query;
  return row ?? null;
}

export async function listExecutions(
  db: Executor,
  scope: Scope,
  loopId: string,
  page: { limit: number; beforeId: string | null },
): Promise<ExecutionRow[]> {
  return db
    .select()
    .from(agentLoopExecutions)
    .where(
      and(
        inScope(agentLoopExecutions, scope),
        eq(agentLoopExecutions.loopId, loopId),
        page.beforeId ? lt(agentLoopExecutions.id, page.beforeId) : undefined,
      ),
    )
    .orderBy(desc(agentLoopExecutions.id))
    .limit(page.limit);
}

/** Open executions of a loop, oldest first (the cron overlap rule and queued runs read them). */
export async function openExecutions(db: Executor, loopId: string): Promise<ExecutionRow[]> {
  return db
    .select()
    .from(agentLoopExecutions)
    .where(and(eq(agentLoopExecutions.loopId, loopId), inArray(agentLoopExecutions.status, OPEN_STATUSES)))
    .orderBy(asc(agentLoopExecutions.id));
}

export async function updateExecution(
  db: Executor,
  id: string,
  set: Partial<typeof agentLoopExecutions.$inferInsert>,
  onlyIf?: ExecutionStatus[],
): Promise<ExecutionRow | null> {
  const [row] = await db
    .update(agentLoopExecutions)
    .set({ ...set, updatedAt: sql`now()` })
    .where(
      and(eq(agentLoopExecutions.id, id), onlyIf ? inArray(agentLoopExecutions.status, onlyIf) : undefined),
    )
    .returning();
  return row ?? null;
}

export async function listSteps(db: Executor, executionId: string): Promise<StepRow[]> {
  return db
    .select()
    .from(agentLoopSteps)
    .where(eq(agentLoopSteps.executionId, executionId))
    .orderBy(asc(agentLoopSteps.seq));
}

/** Writes a step once: a second writer of the same seq (a duplicate worker) gets null. */
export async function insertStep(
  db: Executor,
  row: typeof agentLoopSteps.$inferInsert,
): Promise<StepRow | null> {
  const [inserted] = await db.insert(agentLoopSteps).values(row).onConflictDoNothing().returning();
  return inserted ?? null;
}

export async function updateStep(
  db: Executor,
  id: string,
  set: Partial<typeof agentLoopSteps.$inferInsert>,
): Promise<StepRow> {
  const [row] = await db.update(agentLoopSteps).set(set).where(eq(agentLoopSteps.id, id)).returning();
  return row!;
}

/**
 * Takes an execution for one worker: a queued one, or a running one whose worker stopped
 * renewing its lease (killed). Null when another worker has it or it has ended.
 */
export async function claimExecution(
  db: Executor,
  id: string,
  leaseExpiredBefore: Date,
): Promise<ExecutionRow | null> {
  const [row] = await db
    .update(agentLoopExecutions)
    .set({
      status: 'running',
      startedAt: sql`coalesce(${agentLoopExecutions.startedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(agentLoopExecutions.id, id),
        or(
          eq(agentLoopExecutions.status, 'queued'),
          and(
            eq(agentLoopExecutions.status, 'running'),
            lt(agentLoopExecutions.updatedAt, leaseExpiredBefore),
          ),
        ),
      ),
    )
    .returning();
  return row ?? null;
}

/** Renews a running execution's lease. */
export async function renewLease(db: Executor, id: string): Promise<void> {
  await db
    .update(agentLoopExecutions)
    .set({ updatedAt: sql`now()` })
    .where(and(eq(agentLoopExecutions.id, id), eq(agentLoopExecutions.status, 'running')));
}

/**
 * Executions queued for a while (started by an event inside another transaction, approved, or
 * whose job was lost), and running ones whose worker died: their jobs are sent again, which
 * collapses onto a job already queued.
 */
export async function staleExecutions(
  db: Executor,
  before: Date,
  leaseExpiredBefore: Date,
  limit: number,
): Promise<ExecutionRow[]> {
  return db
    .select()
    .from(agentLoopExecutions)
    .where(
      or(
        and(eq(agentLoopExecutions.status, 'queued'), lte(agentLoopExecutions.updatedAt, before)),
        and(eq(agentLoopExecutions.status, 'running'), lt(agentLoopExecutions.updatedAt, leaseExpiredBefore)),
      ),
    )
    .orderBy(asc(agentLoopExecutions.id))
    .limit(limit);
}

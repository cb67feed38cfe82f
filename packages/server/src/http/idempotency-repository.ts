// SQL for stored idempotent responses, scoped by workspace and environment.
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { idempotencyKeys } from '../db/schema.ts';
import { newUuid } from '../lib/ids.ts';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;
export interface IdempotencyScope {
  workspaceId: string;
  environment: 'live' | 'test';
  key: string;
}

function scopeWhere(scope: IdempotencyScope) {
  return and(
    eq(idempotencyKeys.workspaceId, scope.workspaceId),
    eq(idempotencyKeys.environment, scope.environment),
    eq(idempotencyKeys.key, scope.key),
  );
}

/** Claims the key for a new request; null when a row for it already exists. */
export async function claim(
  db: Executor,
  scope: IdempotencyScope,
  requestHash: string,
): Promise<string | null> {
  // An expired record no longer protects anything: drop it so the key can be used again.
  await db.delete(idempotencyKeys).where(and(scopeWhere(scope), lt(idempotencyKeys.expiresAt, sql`now()`)));
  const rows = await db
    .insert(idempotencyKeys)
    .values({ id: newUuid(), ...scope, requestHash, state: 'in_flight' })
    .onConflictDoNothing()
    .returning({ id: idempotencyKeys.id });
  return rows[0]?.id ?? null;
}

export async function find(db: Executor, scope: IdempotencyScope): Promise<IdempotencyRow | null> {
  const [row] = await db.select().from(idempotencyKeys).where(scopeWhere(scope));
  return row ?? null;
}

/** Takes over an in-flight record whose request died (crash) before it finished. */
export async function takeOverStale(db: Executor, id: string, staleSeconds: number): Promise<boolean> {
  const rows = await db
    .update(idempotencyKeys)
    .set({ lockedAt: sql`now()` })
    .where(
      and(
        eq(idempotencyKeys.id, id),
        eq(idempotencyKeys.state, 'in_flight'),
        lt(idempotencyKeys.lockedAt, sql`now() - make_interval(secs => ${staleSeconds})`),
      ),
    )
    .returning({ id: idempotencyKeys.id });
  return rows.length > 0;
}

/** Renews an in-flight record's lock: its request is still running. */
export async function renew(db: Executor, id: string): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ lockedAt: sql`now()` })
    .where(and(eq(idempotencyKeys.id, id), eq(idempotencyKeys.state, 'in_flight')));
}

export async function complete(
  db: Executor,
  id: string,
  response: { status: number; body: string; headers: Record<string, string> },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({
      state: 'completed',
      responseStatus: response.status,
      responseBody: response.body,
      responseHeaders: response.headers,
    })
    .where(eq(idempotencyKeys.id, id));
}

export async function release(db: Executor, id: string): Promise<void> {
  await db.delete(idempotencyKeys).where(eq(idempotencyKeys.id, id));
}

export async function deleteExpired(db: Executor): Promise<number> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.expiresAt, sql`now()`))
    .returning({ id: idempotencyKeys.id });
  return rows.length;
}

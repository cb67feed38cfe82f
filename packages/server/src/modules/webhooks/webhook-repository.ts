// SQL for webhook endpoints. Every query filters on workspace and environment.
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { webhooks } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';
import type { WebhookRow } from './webhook-schemas.ts';

export async function insertWebhook(db: Executor, row: typeof webhooks.$inferInsert): Promise<WebhookRow> {
  const [created] = await db.insert(webhooks).values(row).returning();
  return created!;
}

export async function findWebhook(db: Executor, scope: Scope, id: string): Promise<WebhookRow | null> {
  const [row] = await db
    .select()
    .from(webhooks)
    .where(and(inScope(webhooks, scope), eq(webhooks.id, id)));
  return row ?? null;
}

/** For the delivery engine, which works across tenants. */
export async function findWebhookById(db: Executor, id: string): Promise<WebhookRow | null> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row ?? null;
}

export async function listWebhooks(
  db: Executor,
  scope: Scope,
  page: { limit: number; beforeId: string | null },
): Promise<WebhookRow[]> {
  return db
    .select()
    .from(webhooks)
    .where(and(inScope(webhooks, scope), page.beforeId ? lt(webhooks.id, page.beforeId) : undefined))
    .orderBy(desc(webhooks.id))
    .limit(page.limit);
}

export async function updateWebhook(
  db: Executor,
  scope: Scope,
  id: string,
  changes: Partial<typeof webhooks.$inferInsert>,
): Promise<WebhookRow | null> {
  const [row] = await db
    .update(webhooks)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(inScope(webhooks, scope), eq(webhooks.id, id)))
    .returning();
  return row ?? null;
}

/**
 * Puts a new secret in place and keeps the replaced one signing until `expiresAt`, in one
 * statement so that concurrent rotations each keep the secret they replaced. Secrets past their
 * expiry are dropped on the way. Answers null when the endpoint is not found or already holds
 * `maxPrevious` unexpired replaced secrets (nothing changes then).
 */
export async function rotateSecret(
  db: Executor,
  scope: Scope,
  id: string,
  rotation: { sealed: string; now: Date; expiresAt: Date; maxPrevious: number },
): Promise<WebhookRow | null> {
  const now = rotation.now.toISOString();
  const live = sql`(SELECT coalesce(jsonb_agg(s.secret), '[]'::jsonb)
    FROM jsonb_array_elements(${webhooks.previousSecrets}) AS s(secret)
    WHERE (s.secret->>'expires_at')::timestamptz > ${now}::timestamptz)`;
  const [row] = await db
    .update(webhooks)
    .set({
      secretSealed: rotation.sealed,
      previousSecrets: sql`${live} || jsonb_build_array(jsonb_build_object(
        'sealed', ${webhooks.secretSealed}::text, 'expires_at', ${rotation.expiresAt.toISOString()}::text))`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        inScope(webhooks, scope),
        eq(webhooks.id, id),
        sql`jsonb_array_length(${live}) < ${rotation.maxPrevious}`,
      ),
    )
    .returning();
  return row ?? null;
}

export async function deleteWebhook(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhooks)
    .where(and(inScope(webhooks, scope), eq(webhooks.id, id)))
    .returning({ id: webhooks.id });
  return rows.length > 0;
}

/** After a failed attempt: remember when the failures began (kept if already set). */
export async function markFailing(db: Executor, id: string, at: Date): Promise<WebhookRow | null> {
  const [row] = await db
    .update(webhooks)
    .set({ failingSince: sql`coalesce(${webhooks.failingSince}, ${at.toISOString()}::timestamptz)` })
    .where(eq(webhooks.id, id))
    .returning();
  return row ?? null;
}

/** After a successful attempt: the endpoint is healthy again. */
export async function markHealthy(db: Executor, id: string): Promise<void> {
  await db
    .update(webhooks)
    .set({ failingSince: null })
    .where(and(eq(webhooks.id, id), sql`${webhooks.failingSince} IS NOT NULL`));
}

/** Turns off an endpoint that kept failing, unless someone turned it off already. */
export async function disableFailing(db: Executor, id: string, reason: string): Promise<boolean> {
  const rows = await db
    .update(webhooks)
    .set({ enabled: false, disabledReason: reason, updatedAt: sql`now()` })
    .where(and(eq(webhooks.id, id), eq(webhooks.enabled, true)))
    .returning({ id: webhooks.id });
  return rows.length > 0;
}

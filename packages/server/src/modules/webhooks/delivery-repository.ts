// SQL for deliveries and their attempts. The engine's queries work across tenants (by id);
// the API's queries reach a delivery only through a webhook of the caller's scope.
import { and, asc, desc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { webhookAttempts, webhookDeliveries, webhooks } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { newUuid } from '../../lib/ids.ts';
import type { AttemptRow, DeliveryRow } from './webhook-schemas.ts';

const isPending = sql`${webhookDeliveries.status} = 'pending'`;

/** Not held by a live sender: never claimed, or its lease ran out (the sender died). */
function unclaimed(now: Date) {
  return or(isNull(webhookDeliveries.lockedUntil), lt(webhookDeliveries.lockedUntil, now));
}

// ---------------------------------------------------------------------------------------------
// Dispatch: events claimed from the outbox → deliveries

/**
 * The enabled endpoints of these workspaces (both environments), with what matching an event
 * needs: the dispatcher pairs them with the events it claimed from the outbox.
 */
export async function enabledEndpointsOf(
  db: Executor,
  workspaceIds: string[],
): Promise<
  { id: string; workspaceId: string; environment: string; eventTypes: string[]; createdAt: Date }[]
> {
  if (workspaceIds.length === 0) return [];
  return db
    .select({
      id: webhooks.id,
      workspaceId: webhooks.workspaceId,
      environment: webhooks.environment,
      eventTypes: webhooks.eventTypes,
      createdAt: webhooks.createdAt,
    })
    .from(webhooks)
    .where(and(inArray(webhooks.workspaceId, workspaceIds), eq(webhooks.enabled, true)));
}

/** Creates deliveries due at `now`; a pair that exists already is left as it is. */
export async function insertDeliveries(
  db: Executor,
  rows: { eventId: string; eventType: string; webhookId: string }[],
  now: Date,
): Promise<void> {
  for (let start = 0; start < rows.length; start += 1000) {
    await db
      .insert(webhookDeliveries)
      .values(
        rows.slice(start, start + 1000).map((row) => ({
          id: newUuid(),
          webhookId: row.webhookId,
          eventId: row.eventId,
          eventType: row.eventType,
          status: 'pending' as const,
          nextAttemptAt: now,
        })),
      )
      .onConflictDoNothing();
  }
}

// ---------------------------------------------------------------------------------------------
// The engine

/** Endpoints with deliveries due and not held by a sender. */
export async function dueWebhookIds(db: Executor, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ webhookId: webhookDeliveries.webhookId })
    .from(webhookDeliveries)
    .innerJoin(webhooks, and(eq(webhooks.id, webhookDeliveries.webhookId), eq(webhooks.enabled, true)))
    .where(and(isPending, lte(webhookDeliveries.nextAttemptAt, now), unclaimed(now)))
    .groupBy(webhookDeliveries.webhookId)
    .limit(limit);
  return rows.map((row) => row.webhookId);
}

/** Claims up to `limit` due deliveries of one endpoint until `leaseUntil`, oldest due first. */
export async function claimDue(
  db: Executor,
  webhookId: string,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<DeliveryRow[]> {
  const due = db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, webhookId),
        isPending,
        lte(webhookDeliveries.nextAttemptAt, now),
        unclaimed(now),
      ),
    )
    .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(webhookDeliveries)
    .set({ lockedUntil: leaseUntil })
    .where(inArray(webhookDeliveries.id, due))
    .returning();
  return rows.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Claims one delivery whatever its status (a manual retry), unless a sender holds it. */
export async function claimOne(
  db: Executor,
  id: string,
  now: Date,
  leaseUntil: Date,
): Promise<DeliveryRow | null> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ lockedUntil: leaseUntil })
    .where(and(eq(webhookDeliveries.id, id), unclaimed(now)))
    .returning();
  return row ?? null;
}

export interface AttemptRecord {
  attemptedAt: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
}

export interface RecordedAttempt {
  deliveryId: string;
  attempt: AttemptRecord;
  status: DeliveryRow['status'];
  nextAttemptAt: Date | null;
}

/**
 * Stores attempts and their deliveries' new states, and releases the claims. A delivery deleted
 * meanwhile (its endpoint or event was) is skipped: its attempt has nothing to belong to.
 */
export async function recordAttempts(db: Executor, recorded: RecordedAttempt[]): Promise<void> {
  if (recorded.length === 0) return;
  const rows = recorded.map(
    (item) =>
      sql`(${item.deliveryId}::uuid, ${item.status}::text, ${item.nextAttemptAt?.toISOString() ?? null}::timestamptz, ${item.attempt.attemptedAt.toISOString()}::timestamptz)`,
  );
  const updated = await db.execute(sql`
    UPDATE webhook_deliveries AS d SET
      status = v.status::webhook_delivery_status,
      next_attempt_at = v.next_attempt_at,
      attempt_count = d.attempt_count + 1,
      last_attempt_at = v.attempted_at,
      locked_until = NULL,
      updated_at = now()
    FROM (VALUES ${sql.join(rows, sql`, `)}) AS v(id, status, next_attempt_at, attempted_at)
    WHERE d.id = v.id
    RETURNING d.id`);
  // Both drivers (pg and PGlite) answer with `rows`.
  const present = new Set((updated as unknown as { rows: { id: string }[] }).rows.map((row) => row.id));
  const attempts = recorded.filter((item) => present.has(item.deliveryId));
  if (attempts.length === 0) return;
  await db
    .insert(webhookAttempts)
    .values(attempts.map((item) => ({ id: newUuid(), deliveryId: item.deliveryId, ...item.attempt })));
}

export async function findDelivery(db: Executor, id: string): Promise<DeliveryRow | null> {
  const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  return row ?? null;
}

/** Releases claims without an attempt (the endpoint was disabled or deleted meanwhile). */
export async function releaseClaims(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.update(webhookDeliveries).set({ lockedUntil: null }).where(inArray(webhookDeliveries.id, ids));
}

/**
 * A one-off delivery (the test event), created claimed so no sender takes it, and `failed` until
 * its one attempt is recorded: if the process dies before, it says it was not delivered.
 */
export async function insertClaimedDelivery(
  db: Executor,
  row: { webhookId: string; eventId: string; eventType: string; leaseUntil: Date },
): Promise<DeliveryRow> {
  const [created] = await db
    .insert(webhookDeliveries)
    .values({
      id: newUuid(),
      webhookId: row.webhookId,
      eventId: row.eventId,
      eventType: row.eventType,
      status: 'failed',
      nextAttemptAt: null,
      lockedUntil: row.leaseUntil,
    })
    .returning();
  return created!;
}

// ---------------------------------------------------------------------------------------------
// The API

export async function findDeliveryInScope(
  db: Executor,
  scope: Scope,
  id: string,
): Promise<DeliveryRow | null> {
  const [row] = await db
    .select({ delivery: webhookDeliveries })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(
      and(
        eq(webhookDeliveries.id, id),
        eq(webhooks.workspaceId, scope.workspaceId),
        eq(webhooks.environment, scope.environment),
      ),
    );
  return row?.delivery ?? null;
}

export async function listDeliveries(
  db: Executor,
  webhookId: string,
  filter: { status?: DeliveryRow['status']; eventType?: string },
  page: { limit: number; beforeId: string | null },
): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.webhookId, webhookId),
        filter.status ? eq(webhookDeliveries.status, filter.status) : undefined,
        filter.eventType ? eq(webhookDeliveries.eventType, filter.eventType) : undefined,
        page.beforeId ? lt(webhookDeliveries.id, page.beforeId) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.id))
    .limit(page.limit);
}

/** Attempts of the given deliveries, oldest first, grouped by delivery. */
export async function attemptsOf(db: Executor, deliveryIds: string[]): Promise<Map<string, AttemptRow[]>> {
  const grouped = new Map<string, AttemptRow[]>(deliveryIds.map((id) => [id, []]));
  if (deliveryIds.length === 0) return grouped;
  const rows = await db
    .select()
    .from(webhookAttempts)
    .where(inArray(webhookAttempts.deliveryId, deliveryIds))
    .orderBy(asc(webhookAttempts.id));
  for (const row of rows) grouped.get(row.deliveryId)?.push(row);
  return grouped;
}

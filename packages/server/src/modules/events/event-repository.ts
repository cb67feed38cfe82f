// SQL of the event log. Reads filter on workspace and environment.
import { and, desc, eq, gt, inArray, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { events } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { EventRow } from './event-schemas.ts';

export interface EventFilter {
  type?: string;
  createdAfter?: Date;
}

export async function listEvents(
  db: Executor,
  scope: Scope,
  filter: EventFilter,
  page: { limit: number; beforeId: string | null },
): Promise<EventRow[]> {
  return db
    .select()
    .from(events)
    .where(
      and(
        eq(events.workspaceId, scope.workspaceId),
        eq(events.environment, scope.environment),
        filter.type ? eq(events.type, filter.type) : undefined,
        filter.createdAfter ? gt(events.createdAt, filter.createdAfter) : undefined,
        page.beforeId ? lt(events.id, page.beforeId) : undefined,
      ),
    )
    .orderBy(desc(events.id))
    .limit(page.limit);
}

export async function findEvent(db: Executor, scope: Scope, id: string): Promise<EventRow | null> {
  const [row] = await db
    .select()
    .from(events)
    .where(
      and(
        eq(events.workspaceId, scope.workspaceId),
        eq(events.environment, scope.environment),
        eq(events.id, id),
      ),
    );
  return row ?? null;
}

/**
 * Deletes events created before `boundaryId` (a UUIDv7 of the cut-off time, so the primary key
 * serves the scan), at most `limit` of them; their deliveries go with them.
 */
export async function deleteEventsBefore(db: Executor, boundaryId: string, limit: number): Promise<number> {
  const batch = db.select({ id: events.id }).from(events).where(lt(events.id, boundaryId)).limit(limit);
  const rows = await db.delete(events).where(inArray(events.id, batch)).returning({ id: events.id });
  return rows.length;
}

// The event log: every event of the workspace and environment for 30 days, so a receiver that
// was down can list what it missed.
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId } from '../../lib/ids.ts';
import * as repo from './event-repository.ts';
import { EVENT_RETENTION_DAYS, type EventRow } from './event-schemas.ts';

const PURGE_BATCH = 1000;

/** The smallest UUIDv7 of a millisecond: every id made at or after `time` sorts after it. */
export function uuidv7Floor(time: Date): string {
  const hex = Math.max(0, time.getTime()).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

export function createEventService(deps: { db: Database; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  return {
    list: (scope: Scope, filter: repo.EventFilter, page: { limit: number; beforeId: string | null }) =>
      repo.listEvents(db.orm, scope, filter, page),

    async get(scope: Scope, id: string): Promise<EventRow> {
      const row = await repo.findEvent(db.orm, scope, id);
      if (!row) throw AppError.notFound('event', encodeId('evt', id));
      return row;
    },

    /** Deletes events past the retention period, with their webhook deliveries. */
    async purgeExpired(): Promise<number> {
      const boundary = uuidv7Floor(new Date(now().getTime() - EVENT_RETENTION_DAYS * 86_400_000));
      let total = 0;
      for (;;) {
        const removed = await repo.deleteEventsBefore(db.orm, boundary, PURGE_BATCH);
        total += removed;
        if (removed < PURGE_BATCH) return total;
      }
    },
  };
}

export type EventService = ReturnType<typeof createEventService>;

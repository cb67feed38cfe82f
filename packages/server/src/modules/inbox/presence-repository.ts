// SQL for presence: people whose sessions have gone idle, and the open conversations of people
// who have been offline for a while.
import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { conversations, users } from '../../db/schema.ts';

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/**
 * Sets offline everyone online or away who has not been seen (a request, an open notification
 * stream) nor changed their availability since `idleSince`. Returns who went offline.
 */
export async function setIdleOffline(
  db: Executor,
  idleSince: Date,
  now: Date,
): Promise<{ id: string; workspace_id: string }[]> {
  const result = await db.execute(sql`
    UPDATE ${users}
    SET availability = 'offline', availability_changed_at = ${now}, updated_at = ${now}
    WHERE availability <> 'offline'
      AND availability_changed_at < ${idleSince}
      AND (last_seen_at IS NULL OR last_seen_at < ${idleSince})
    RETURNING id, workspace_id`);
  return rowsOf(result);
}

/** Open conversations assigned to people who have been offline since before `offlineSince`. */
export async function conversationsOfOffline(
  db: Executor,
  offlineSince: Date,
  limit: number,
): Promise<{ id: string; workspace_id: string; environment: 'live' | 'test'; assignee_id: string }[]> {
  const result = await db.execute(sql`
    SELECT c.id, c.workspace_id, c.environment, c.assignee_id
    FROM ${conversations} c
    JOIN ${users} u ON u.id = c.assignee_id
    WHERE c.status = 'open'
      AND u.availability = 'offline'
      AND u.availability_changed_at < ${offlineSince}
    ORDER BY c.id
    LIMIT ${limit}`);
  return rowsOf(result);
}

/** Records that the person is there (an open notification stream), at most once a minute. */
export async function touchPerson(db: Executor, userId: string, now: Date): Promise<void> {
  await db.execute(sql`
    UPDATE ${users} SET last_seen_at = ${now}
    WHERE id = ${userId} AND (last_seen_at IS NULL OR last_seen_at < ${new Date(now.getTime() - 60_000)})`);
}

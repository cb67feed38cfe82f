// What a person's stream (GET /v1/me/events) may have missed while its node's listener was
// reconnecting: person notices are not stored, so they are read again from what they announce —
// conversations given to the person, notes mentioning them, visitors' messages in conversations
// they have — by when it happened.
import type { Database } from '../../db/client.ts';
import type { PersonNotice } from '../conversations/live-notices.ts';

/** Times written by another node's clock may lag this one's by up to this much. */
export const CATCH_UP_MARGIN_MS = 5_000;
/** At most this many notices per catch-up, the oldest first. */
const CATCH_UP_LIMIT = 200;

export interface MissedNotice {
  notice: PersonNotice;
  /** When it happened: when assigned, when the note or message was stored. */
  at: Date;
}

/** The database's clock: one clock for every node's watermarks. */
export async function databaseNow(db: Database): Promise<Date> {
  const [row] = await db.query<{ now: Date | string }>('SELECT now() AS now');
  return new Date(row!.now);
}

/** The notices for the person that happened after `since`, oldest first. */
export async function noticesSince(db: Database, userId: string, since: Date): Promise<MissedNotice[]> {
  const rows = await db.query<{
    reason: PersonNotice['reason'];
    conversation_id: string;
    id: string;
    workspace_id: string;
    environment: 'live' | 'test';
    at: Date | string;
  }>(
    `SELECT * FROM (
       SELECT 'assigned' AS reason, c.id AS conversation_id, c.id AS id, c.workspace_id,
              c.environment, c.assigned_at AS at
       FROM conversations c
       WHERE c.assignee_id = $1 AND c.assigned_at > $2
       UNION ALL
       SELECT 'mentioned', n.conversation_id, n.id, n.workspace_id, n.environment, n.created_at
       FROM conversation_notes n
       WHERE $1 = ANY (n.mentioned_user_ids) AND n.created_at > $2
       UNION ALL
       SELECT 'message', m.conversation_id, m.id, m.workspace_id, m.environment, m.created_at
       FROM conversations c JOIN messages m ON m.conversation_id = c.id
       WHERE c.assignee_id = $1 AND m.role = 'user' AND m.created_at > $2
         AND m.created_at >= c.assigned_at
     ) missed
     ORDER BY at, id
     LIMIT ${CATCH_UP_LIMIT}`,
    [userId, since.toISOString()],
  );
  return rows.map((row) => ({
    notice: {
      kind: 'person',
      userId,
      workspaceId: row.workspace_id,
      environment: row.environment,
      reason: row.reason,
      conversationId: row.conversation_id,
      id: row.id,
    },
    at: new Date(row.at),
  }));
}

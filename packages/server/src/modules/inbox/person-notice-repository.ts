// SQL for the mail kept for people who are not online: written with the live notice, in its
// transaction; claimed by the dispatcher, settled by the mail job.
import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { newUuid } from '../../lib/ids.ts';
import type { PersonNotice } from '../conversations/live-notices.ts';

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/**
 * Keeps the notice for mail when its person is not online (away or offline). One waits per
 * person, conversation and reason: a later one of the same kind joins the waiting one's mail.
 */
export async function keepForMail(tx: Executor, notice: PersonNotice): Promise<void> {
  await tx.execute(sql`
    INSERT INTO person_notices (id, workspace_id, environment, user_id, conversation_id, reason, ref_id)
    SELECT ${newUuid()}, ${notice.workspaceId}, ${notice.environment}, ${notice.userId},
           ${notice.conversationId}, ${notice.reason}, ${notice.id}
    WHERE EXISTS (SELECT 1 FROM users WHERE id = ${notice.userId} AND availability <> 'online')
    ON CONFLICT (user_id, conversation_id, reason) WHERE done_at IS NULL DO NOTHING`);
}

/**
 * Claims notices whose mail is not queued yet, or was queued over an hour ago without an end
 * (its job gave up): their attempt is counted and they are marked queued. Locked rows are
 * another worker's.
 */
export async function claimDue(
  tx: Executor,
  now: Date,
  limit: number,
): Promise<{ id: string; attempts: number }[]> {
  const stale = new Date(now.getTime() - 3600_000);
  const result = await tx.execute(sql`
    UPDATE person_notices SET queued_at = ${now}, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM person_notices
      WHERE done_at IS NULL AND (queued_at IS NULL OR queued_at < ${stale})
      ORDER BY created_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING id, attempts`);
  return rowsOf(result);
}

/**
 * Drops notices settled over a week ago, and, where no mail is set up, notices waiting for over
 * an hour (a node with mail set up would have sent them by then).
 */
export async function purge(db: Executor, now: Date, mailConfigured: boolean): Promise<void> {
  const week = new Date(now.getTime() - 7 * 86_400_000);
  await db.execute(sql`DELETE FROM person_notices WHERE done_at < ${week}`);
  if (!mailConfigured) {
    const hour = new Date(now.getTime() - 3600_000);
    await db.execute(sql`DELETE FROM person_notices WHERE done_at IS NULL AND created_at < ${hour}`);
  }
}

export async function settle(
  db: Executor,
  ids: string[],
  outcome: 'mailed' | 'skipped' | 'failed',
  now: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`
    UPDATE person_notices SET done_at = ${now}, outcome = ${outcome}
    WHERE id IN (${sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )}) AND done_at IS NULL`);
}

export interface NoticeForMail {
  id: string;
  workspace_id: string;
  environment: 'live' | 'test';
  conversation_id: string;
  reason: PersonNotice['reason'];
  ref_id: string;
  created_at: Date;
  done_at: Date | null;
  email: string;
  name: string | null;
  availability: 'online' | 'away' | 'offline';
}

/** The notice with its person, or null when gone (the person or the conversation deleted). */
export async function findForMail(db: Executor, id: string): Promise<NoticeForMail | null> {
  const result = await db.execute(sql`
    SELECT n.id, n.workspace_id, n.environment, n.conversation_id, n.reason, n.ref_id,
           n.created_at, n.done_at, u.email, u.name, u.availability
    FROM person_notices n JOIN users u ON u.id = n.user_id
    WHERE n.id = ${id}`);
  const [row] = rowsOf<NoticeForMail>(result);
  if (!row) return null;
  return {
    ...row,
    created_at: new Date(row.created_at),
    done_at: row.done_at ? new Date(row.done_at) : null,
  };
}

/** The visitor's messages in the conversation from `since` on (the newest `limit`), oldest first. */
export async function visitorMessagesSince(
  db: Executor,
  conversationId: string,
  since: Date,
  limit: number,
): Promise<{ content: string }[]> {
  const result = await db.execute(sql`
    SELECT content FROM (
      SELECT content, created_at, id FROM messages
      WHERE conversation_id = ${conversationId} AND role = 'user' AND created_at >= ${since}
      ORDER BY created_at DESC, id DESC LIMIT ${limit}
    ) recent ORDER BY created_at, id`);
  return rowsOf(result);
}

/** The visitor's latest message in the conversation. */
export async function lastVisitorMessage(db: Executor, conversationId: string): Promise<string | null> {
  const result = await db.execute(sql`
    SELECT content FROM messages
    WHERE conversation_id = ${conversationId} AND role = 'user'
    ORDER BY created_at DESC, id DESC LIMIT 1`);
  return rowsOf<{ content: string }>(result)[0]?.content ?? null;
}

/** A note's author and text. */
export async function findNote(
  db: Executor,
  noteId: string,
): Promise<{ author_name: string | null; content: string } | null> {
  const result = await db.execute(sql`
    SELECT author_name, content FROM conversation_notes WHERE id = ${noteId}`);
  return rowsOf<{ author_name: string | null; content: string }>(result)[0] ?? null;
}

// SQL for the inbox's own tables: labels and the conversations they are on, private notes,
// canned replies, and the counts of the sidebar. Every query filters on workspace and environment.
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import {
  cannedReplies,
  conversationLabels,
  conversationNotes,
  conversations,
  labels,
} from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';

export type LabelRow = typeof labels.$inferSelect;
export type NoteRow = typeof conversationNotes.$inferSelect;
export type CannedReplyRow = typeof cannedReplies.$inferSelect;

type Page = { limit: number; afterId: string | null };

export async function insertLabel(db: Executor, row: typeof labels.$inferInsert): Promise<LabelRow> {
  const [created] = await db.insert(labels).values(row).returning();
  return created!;
}

export async function listLabels(db: Executor, scope: Scope, page: Page): Promise<LabelRow[]> {
  return db
    .select()
    .from(labels)
    .where(and(inScope(labels, scope), page.afterId ? gt(labels.id, page.afterId) : undefined))
    .orderBy(asc(labels.id))
    .limit(page.limit);
}

export async function findLabels(db: Executor, scope: Scope, ids: string[]): Promise<LabelRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(labels)
    .where(and(inScope(labels, scope), inArray(labels.id, ids)))
    .orderBy(asc(labels.name));
}

export async function updateLabel(
  db: Executor,
  scope: Scope,
  id: string,
  changes: Partial<typeof labels.$inferInsert>,
): Promise<LabelRow | null> {
  const [row] = await db
    .update(labels)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(inScope(labels, scope), eq(labels.id, id)))
    .returning();
  return row ?? null;
}

export async function deleteLabel(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .delete(labels)
    .where(and(inScope(labels, scope), eq(labels.id, id)))
    .returning({ id: labels.id });
  return rows.length > 0;
}

/** Replaces the labels on a conversation with exactly these. */
export async function setConversationLabels(
  db: Executor,
  scope: Scope,
  conversationId: string,
  labelIds: string[],
): Promise<void> {
  await db
    .delete(conversationLabels)
    .where(and(inScope(conversationLabels, scope), eq(conversationLabels.conversationId, conversationId)));
  if (labelIds.length === 0) return;
  await db.insert(conversationLabels).values(
    labelIds.map((labelId) => ({
      conversationId,
      labelId,
      workspaceId: scope.workspaceId,
      environment: scope.environment,
    })),
  );
}

export async function labelsOf(db: Executor, scope: Scope, conversationId: string): Promise<LabelRow[]> {
  return db
    .select({ label: labels })
    .from(conversationLabels)
    .innerJoin(labels, eq(labels.id, conversationLabels.labelId))
    .where(and(inScope(conversationLabels, scope), eq(conversationLabels.conversationId, conversationId)))
    .orderBy(asc(labels.name))
    .then((rows) => rows.map((row) => row.label));
}

export async function insertNote(db: Executor, row: typeof conversationNotes.$inferInsert): Promise<NoteRow> {
  const [created] = await db.insert(conversationNotes).values(row).returning();
  return created!;
}

export async function listNotes(
  db: Executor,
  scope: Scope,
  conversationId: string,
  page: Page,
): Promise<NoteRow[]> {
  return db
    .select()
    .from(conversationNotes)
    .where(
      and(
        inScope(conversationNotes, scope),
        eq(conversationNotes.conversationId, conversationId),
        page.afterId ? gt(conversationNotes.id, page.afterId) : undefined,
      ),
    )
    .orderBy(asc(conversationNotes.id))
    .limit(page.limit);
}

export async function insertCannedReply(
  db: Executor,
  row: typeof cannedReplies.$inferInsert,
): Promise<CannedReplyRow> {
  const [created] = await db.insert(cannedReplies).values(row).returning();
  return created!;
}

export async function findCannedReply(
  db: Executor,
  scope: Scope,
  id: string,
): Promise<CannedReplyRow | null> {
  const [row] = await db
    .select()
    .from(cannedReplies)
    .where(and(inScope(cannedReplies, scope), eq(cannedReplies.id, id)));
  return row ?? null;
}

export async function listCannedReplies(
  db: Executor,
  scope: Scope,
  filter: { shortcutPrefix?: string },
  page: Page,
): Promise<CannedReplyRow[]> {
  return db
    .select()
    .from(cannedReplies)
    .where(
      and(
        inScope(cannedReplies, scope),
        filter.shortcutPrefix
          ? sql`starts_with(${cannedReplies.shortcut}, ${filter.shortcutPrefix.toLowerCase()})`
          : undefined,
        page.afterId ? gt(cannedReplies.id, page.afterId) : undefined,
      ),
    )
    .orderBy(asc(cannedReplies.id))
    .limit(page.limit);
}

export async function updateCannedReply(
  db: Executor,
  scope: Scope,
  id: string,
  changes: Partial<typeof cannedReplies.$inferInsert>,
): Promise<CannedReplyRow | null> {
  const [row] = await db
    .update(cannedReplies)
    .set({ ...changes, updatedAt: new Date() })
    .where(and(inScope(cannedReplies, scope), eq(cannedReplies.id, id)))
    .returning();
  return row ?? null;
}

export async function deleteCannedReply(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .delete(cannedReplies)
    .where(and(inScope(cannedReplies, scope), eq(cannedReplies.id, id)))
    .returning({ id: cannedReplies.id });
  return rows.length > 0;
}

export interface InboxCountRows {
  byStatus: { open: number; pending: number; snoozed: number; resolved: number };
  byAssignee: { key: string | null; count: number }[];
  byLabel: { key: string; count: number }[];
  byChatbot: { key: string; count: number }[];
}

/**
 * The sidebar's counts in four queries: conversations by inbox status, and conversations not
 * resolved by assignee, label and chatbot.
 */
export async function inboxCounts(db: Executor, scope: Scope): Promise<InboxCountRows> {
  const snoozed = sql`(${conversations.snoozedUntil} IS NOT NULL AND ${conversations.snoozedUntil} > now())`;
  const notResolved = and(inScope(conversations, scope), eq(conversations.status, 'open'));
  const [statuses] = await db
    .select({
      resolved: sql<number>`count(*) FILTER (WHERE ${conversations.status} = 'closed')::int`,
      snoozed: sql<number>`count(*) FILTER (WHERE ${conversations.status} = 'open' AND ${snoozed})::int`,
      pending: sql<number>`count(*) FILTER (WHERE ${conversations.status} = 'open' AND NOT ${snoozed} AND ${conversations.mode} = 'ai')::int`,
      open: sql<number>`count(*) FILTER (WHERE ${conversations.status} = 'open' AND NOT ${snoozed} AND ${conversations.mode} = 'human')::int`,
    })
    .from(conversations)
    .where(inScope(conversations, scope));
  const byAssignee = await db
    .select({ key: conversations.assigneeId, count: sql<number>`count(*)::int` })
    .from(conversations)
    .where(notResolved)
    .groupBy(conversations.assigneeId);
  const byChatbot = await db
    .select({ key: conversations.chatbotId, count: sql<number>`count(*)::int` })
    .from(conversations)
    .where(notResolved)
    .groupBy(conversations.chatbotId);
  const byLabel = await db
    .select({ key: conversationLabels.labelId, count: sql<number>`count(*)::int` })
    .from(conversationLabels)
    .innerJoin(conversations, eq(conversations.id, conversationLabels.conversationId))
    .where(notResolved)
    .groupBy(conversationLabels.labelId);
  return { byStatus: statuses!, byAssignee, byLabel, byChatbot };
}

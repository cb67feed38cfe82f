// SQL for chatbots. Every query filters on workspace and environment, and hides deleted bots.
import { and, desc, eq, inArray, isNotNull, isNull, like, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { chatbots } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';
import type { ChatbotRow } from './chatbot-schemas.ts';

/** The scope's chatbots that are not deleted. */
function activeInScope(scope: Scope) {
  return and(inScope(chatbots, scope), isNull(chatbots.deletedAt));
}

export async function insertChatbot(db: Executor, row: typeof chatbots.$inferInsert): Promise<ChatbotRow> {
  const [created] = await db.insert(chatbots).values(row).returning();
  return created!;
}

export async function findChatbot(db: Executor, scope: Scope, id: string): Promise<ChatbotRow | null> {
  const [row] = await db
    .select()
    .from(chatbots)
    .where(and(activeInScope(scope), eq(chatbots.id, id)));
  return row ?? null;
}

/**
 * Locks the bot FOR SHARE until the transaction ends; true when it exists and is not deleted.
 * Deleting a bot (the UPDATE of deleted_at, the purge's DELETE) waits for this lock, and this
 * waits for a delete already under way and then sees the bot deleted. FOR KEY SHARE would not
 * do: the soft delete changes no key column, so it would not conflict.
 */
export async function lockChatbot(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .select({ id: chatbots.id })
    .from(chatbots)
    .where(and(activeInScope(scope), eq(chatbots.id, id)))
    .for('share');
  return rows.length > 0;
}

export async function findChatbotBySlug(
  db: Executor,
  scope: Scope,
  slug: string,
): Promise<ChatbotRow | null> {
  const [row] = await db
    .select()
    .from(chatbots)
    .where(and(activeInScope(scope), eq(chatbots.slug, slug)));
  return row ?? null;
}

export async function listChatbots(
  db: Executor,
  scope: Scope,
  page: { limit: number; beforeId: string | null },
): Promise<ChatbotRow[]> {
  return db
    .select()
    .from(chatbots)
    .where(and(activeInScope(scope), page.beforeId ? lt(chatbots.id, page.beforeId) : undefined))
    .orderBy(desc(chatbots.id))
    .limit(page.limit);
}

/** Slugs in use in the scope that start with `base`, to pick the next free one. */
export async function slugsLike(db: Executor, scope: Scope, base: string): Promise<string[]> {
  const rows = await db
    .select({ slug: chatbots.slug })
    .from(chatbots)
    .where(and(activeInScope(scope), or(eq(chatbots.slug, base), like(chatbots.slug, `${base}-%`))));
  return rows.map((row) => row.slug);
}

export async function updateChatbot(
  db: Executor,
  scope: Scope,
  id: string,
  changes: Partial<typeof chatbots.$inferInsert>,
): Promise<ChatbotRow | null> {
  const [row] = await db
    .update(chatbots)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(activeInScope(scope), eq(chatbots.id, id)))
    .returning();
  return row ?? null;
}

export async function softDeleteChatbot(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .update(chatbots)
    .set({ deletedAt: sql`now()` })
    .where(and(activeInScope(scope), eq(chatbots.id, id)))
    .returning({ id: chatbots.id });
  return rows.length > 0;
}

/** Deletes soft-deleted bots for good; their integrations and other data cascade. */
export async function purgeDeletedChatbots(db: Executor, limit: number): Promise<number> {
  const batch = db
    .select({ id: chatbots.id })
    .from(chatbots)
    .where(isNotNull(chatbots.deletedAt))
    .orderBy(chatbots.deletedAt)
    .limit(limit);
  const rows = await db.delete(chatbots).where(inArray(chatbots.id, batch)).returning({ id: chatbots.id });
  return rows.length;
}

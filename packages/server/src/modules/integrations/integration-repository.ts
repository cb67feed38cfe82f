// SQL for integrations, always filtered on workspace and environment.
import { and, desc, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { integrations } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';
import type { IntegrationRow } from './integration-schemas.ts';

export async function insertIntegration(
  db: Executor,
  row: typeof integrations.$inferInsert,
): Promise<IntegrationRow> {
  const [created] = await db.insert(integrations).values(row).returning();
  return created!;
}

export async function findIntegration(
  db: Executor,
  scope: Scope,
  id: string,
): Promise<IntegrationRow | null> {
  const [row] = await db
    .select()
    .from(integrations)
    .where(and(inScope(integrations, scope), eq(integrations.id, id)));
  return row ?? null;
}

export async function listIntegrations(
  db: Executor,
  scope: Scope,
  chatbotId: string,
  page: { limit: number; beforeId: string | null },
): Promise<IntegrationRow[]> {
  return db
    .select()
    .from(integrations)
    .where(
      and(
        inScope(integrations, scope),
        eq(integrations.chatbotId, chatbotId),
        page.beforeId ? lt(integrations.id, page.beforeId) : undefined,
      ),
    )
    .orderBy(desc(integrations.id))
    .limit(page.limit);
}

/** The enabled (active or failing) integration of each given chatbot. */
export async function findEnabled(
  db: Executor,
  scope: Scope,
  chatbotIds: string[],
): Promise<IntegrationRow[]> {
  if (chatbotIds.length === 0) return [];
  return db
    .select()
    .from(integrations)
    .where(
      and(
        inScope(integrations, scope),
        inArray(integrations.chatbotId, chatbotIds),
        ne(integrations.status, 'disabled'),
      ),
    );
}

/** Disables the chatbot's enabled integrations other than `exceptId`. */
export async function disableOthers(
  db: Executor,
  scope: Scope,
  chatbotId: string,
  exceptId: string,
): Promise<void> {
  await db
    .update(integrations)
    .set({ status: 'disabled', updatedAt: sql`now()` })
    .where(
      and(
        inScope(integrations, scope),
        eq(integrations.chatbotId, chatbotId),
        ne(integrations.id, exceptId),
        ne(integrations.status, 'disabled'),
      ),
    );
}

export async function updateIntegration(
  db: Executor,
  scope: Scope,
  id: string,
  changes: Partial<typeof integrations.$inferInsert>,
): Promise<IntegrationRow | null> {
  const [row] = await db
    .update(integrations)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(inScope(integrations, scope), eq(integrations.id, id)))
    .returning();
  return row ?? null;
}

export async function deleteIntegration(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .delete(integrations)
    .where(and(inScope(integrations, scope), eq(integrations.id, id)))
    .returning({ id: integrations.id });
  return rows.length > 0;
}

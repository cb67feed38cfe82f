// SQL for workspaces and API keys. Every function takes an executor (the database or a
// transaction); API key queries always filter on workspace and environment.
import { and, asc, count, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { apiKeys, workspaces } from '../../db/schema.ts';
import type { Environment } from './api-key-secrets.ts';

export type WorkspaceRow = typeof workspaces.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertWorkspace(
  db: Executor,
  row: { id: string; name: string; plan: string; isDefault?: boolean },
): Promise<WorkspaceRow> {
  const [created] = await db.insert(workspaces).values(row).returning();
  return created!;
}

export async function findWorkspace(db: Executor, id: string): Promise<WorkspaceRow | null> {
  const [row] = await db.select().from(workspaces).where(eq(workspaces.id, id));
  return row ?? null;
}

export async function findDefaultWorkspace(db: Executor): Promise<WorkspaceRow | null> {
  const [row] = await db.select().from(workspaces).where(eq(workspaces.isDefault, true)).limit(1);
  return row ?? null;
}

export async function listWorkspaces(db: Executor): Promise<WorkspaceRow[]> {
  return db.select().from(workspaces).orderBy(asc(workspaces.id));
}

/** Locks the workspace row until the transaction ends, to serialise key creation. */
export async function lockWorkspace(db: Executor, id: string): Promise<void> {
  await db.execute(sql`SELECT id FROM workspaces WHERE id = ${id} FOR UPDATE`);
}

export async function countActiveKeys(
  db: Executor,
  workspaceId: string,
  environment: Environment,
): Promise<number> {
  const [row] = await db
    .select({ value: count() })
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.workspaceId, workspaceId),
        eq(apiKeys.environment, environment),
        isNull(apiKeys.revokedAt),
      ),
    );
  return row?.value ?? 0;
}

export async function insertApiKey(db: Executor, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [created] = await db.insert(apiKeys).values(row).returning();
  return created!;
}

/** One page of a workspace's keys in one environment, newest first, after the cursor id. */
export async function listApiKeys(
  db: Executor,
  scope: { workspaceId: string; environment?: Environment },
  page: { limit: number; beforeId: string | null },
): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.workspaceId, scope.workspaceId),
        scope.environment ? eq(apiKeys.environment, scope.environment) : undefined,
        page.beforeId ? lt(apiKeys.id, page.beforeId) : undefined,
      ),
    )
    .orderBy(desc(apiKeys.id))
    .limit(page.limit);
}

export async function findApiKey(
  db: Executor,
  scope: { workspaceId: string; environment?: Environment },
  id: string,
): Promise<ApiKeyRow | null> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.id, id),
        eq(apiKeys.workspaceId, scope.workspaceId),
        scope.environment ? eq(apiKeys.environment, scope.environment) : undefined,
      ),
    );
  return row ?? null;
}

export async function revokeApiKey(db: Executor, id: string): Promise<ApiKeyRow | null> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
    .where(eq(apiKeys.id, id))
    .returning();
  return row ?? null;
}

export interface KeyWithWorkspace {
  key: ApiKeyRow;
  workspace: WorkspaceRow;
}

export async function findKeyByHash(db: Executor, hash: string): Promise<KeyWithWorkspace | null> {
  const [row] = await db
    .select({ key: apiKeys, workspace: workspaces })
    .from(apiKeys)
    .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
    .where(eq(apiKeys.keyHash, hash));
  return row ?? null;
}

export async function touchApiKey(db: Executor, id: string): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: sql`now()` }).where(eq(apiKeys.id, id));
}

/** For the operator's CLI only: a key by id in any workspace. */
export async function findApiKeyById(db: Executor, id: string): Promise<ApiKeyRow | null> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  return row ?? null;
}

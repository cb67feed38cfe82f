// SQL for workspaces and API keys. Every function takes an executor (the database or a
// transaction); API key queries always filter on workspace and environment.
import { and, asc, count, desc, eq, inArray, isNull, lt, type Placeholder, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
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

/** An api_keys row as the driver returns it. */
interface ApiKeyRecord {
  id: string;
  workspace_id: string;
  environment: Environment;
  name: string;
  key_hash: string;
  display_prefix: string;
  last_four: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

function toApiKeyRow(record: ApiKeyRecord): ApiKeyRow {
  return {
    id: record.id,
    workspaceId: record.workspace_id,
    environment: record.environment,
    name: record.name,
    keyHash: record.key_hash,
    displayPrefix: record.display_prefix,
    lastFour: record.last_four,
    createdAt: record.created_at,
    lastUsedAt: record.last_used_at,
    revokedAt: record.revoked_at,
  };
}

/**
 * `listApiKeys` for one environment, on the request path of GET /v1/api-keys: the same SQL, built
 * by drizzle once here, then sent straight to the driver as a named statement (parsed once per
 * connection on PostgreSQL). Through drizzle each call cost two to three times the query's own
 * CPU: it built the SQL anew every time, and on PGlite its per-call type parsers make PGlite copy
 * its whole parser table (~300 entries) for every query. Runs on the database, not in a
 * transaction.
 */
export function prepareApiKeyPages(db: Pick<Database, 'orm' | 'query'>) {
  const statement = (name: string, after: boolean) => {
    const { sql: text, params } = db.orm
      .select()
      .from(apiKeys)
      .where(
        and(
          eq(apiKeys.workspaceId, sql.placeholder('workspaceId')),
          eq(apiKeys.environment, sql.placeholder('environment')),
          after ? lt(apiKeys.id, sql.placeholder('beforeId')) : undefined,
        ),
      )
      .orderBy(desc(apiKeys.id))
      .limit(sql.placeholder('limit'))
      .toSQL();
    // The order of the placeholders in the SQL, e.g. ['workspaceId', 'environment', 'limit'].
    const order = params.map((param) => (param as Placeholder).name as keyof PageValues);
    return async (values: PageValues): Promise<ApiKeyRow[]> => {
      const records = await db.query<ApiKeyRecord>(
        text,
        order.map((key) => values[key]),
        { name },
      );
      return records.map(toApiKeyRow);
    };
  };
  const first = statement('api_keys_page', false);
  const after = statement('api_keys_page_after', true);
  return (
    scope: { workspaceId: string; environment: Environment },
    page: { limit: number; beforeId: string | null },
  ): Promise<ApiKeyRow[]> => {
    const values = { workspaceId: scope.workspaceId, environment: scope.environment, limit: page.limit };
    return page.beforeId ? after({ ...values, beforeId: page.beforeId }) : first(values);
  };
}

interface PageValues {
  workspaceId: string;
  environment: Environment;
  limit: number;
  beforeId?: string;
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

/** The ids among these that name a key still active (not revoked, not deleted). */
export async function activeApiKeyIds(db: Executor, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(inArray(apiKeys.id, ids), isNull(apiKeys.revokedAt)));
  return new Set(rows.map((row) => row.id));
}

// SQL for people, their sessions and their one-time tokens. People belong to a workspace (not
// an environment); every query on them filters on the workspace.
import { and, asc, eq, gt, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { userSessions, users, userTokens, workspaces } from '../../db/schema.ts';

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof userSessions.$inferSelect;
export type UserTokenRow = typeof userTokens.$inferSelect;
export type TokenPurpose = UserTokenRow['purpose'];

export async function insertUser(db: Executor, row: typeof users.$inferInsert): Promise<UserRow> {
  const [created] = await db.insert(users).values(row).returning();
  return created!;
}

export async function findUser(db: Executor, workspaceId: string, id: string): Promise<UserRow | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, id)));
  return row ?? null;
}

/** The people with this address, in every workspace (sign-in finds the workspace from them). */
export async function findUsersByEmail(db: Executor, email: string): Promise<UserRow[]> {
  return db.select().from(users).where(eq(users.email, email)).orderBy(asc(users.id)).limit(20);
}

export async function listUsers(
  db: Executor,
  workspaceId: string,
  page: { limit: number; afterId: string | null },
): Promise<UserRow[]> {
  return db
    .select()
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), page.afterId ? gt(users.id, page.afterId) : undefined))
    .orderBy(asc(users.id))
    .limit(page.limit);
}

export async function updateUser(
  db: Executor,
  workspaceId: string,
  id: string,
  changes: Partial<typeof users.$inferInsert>,
): Promise<UserRow | null> {
  const now = new Date();
  const [row] = await db
    .update(users)
    // Setting an availability (even the same one) restarts the idle clock.
    .set({ ...changes, ...(changes.availability ? { availabilityChangedAt: now } : {}), updatedAt: now })
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, id)))
    .returning();
  return row ?? null;
}

export async function deleteUser(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(users)
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, id)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** Owners other than `exceptId`: a workspace always keeps one. */
export async function countOtherOwners(db: Executor, workspaceId: string, exceptId: string): Promise<number> {
  const [row] = await db
    .select({ value: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), eq(users.role, 'owner'), ne(users.id, exceptId)));
  return row?.value ?? 0;
}

/** Locks the workspace's people while a change that must keep an owner runs. */
export async function lockWorkspacePeople(db: Executor, workspaceId: string): Promise<void> {
  await db.execute(sql`SELECT id FROM ${workspaces} WHERE id = ${workspaceId} FOR UPDATE`);
}

export async function insertSession(
  db: Executor,
  row: typeof userSessions.$inferInsert,
): Promise<SessionRow> {
  const [created] = await db.insert(userSessions).values(row).returning();
  return created!;
}

/** A live session and its person, by the hash of the cookie's secret. */
export async function findLiveSession(
  db: Executor,
  tokenHash: string,
  now: Date,
): Promise<{ session: SessionRow; user: UserRow; workspace: typeof workspaces.$inferSelect } | null> {
  const [row] = await db
    .select({ session: userSessions, user: users, workspace: workspaces })
    .from(userSessions)
    .innerJoin(users, eq(users.id, userSessions.userId))
    .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
    .where(and(eq(userSessions.tokenHash, tokenHash), gt(userSessions.expiresAt, now)));
  return row ?? null;
}

/** Records that the person was seen; not a change to them (updated_at stays). */
export async function touchUser(db: Executor, userId: string, now: Date): Promise<UserRow | null> {
  const [row] = await db.update(users).set({ lastSeenAt: now }).where(eq(users.id, userId)).returning();
  return row ?? null;
}

export async function touchSession(
  db: Executor,
  sessionId: string,
  userId: string,
  now: Date,
): Promise<void> {
  await db.update(userSessions).set({ lastSeenAt: now }).where(eq(userSessions.id, sessionId));
  await db.update(users).set({ lastSeenAt: now }).where(eq(users.id, userId));
}

export async function updateSessionEnvironment(
  db: Executor,
  sessionId: string,
  environment: 'live' | 'test',
): Promise<SessionRow | null> {
  const [row] = await db
    .update(userSessions)
    .set({ environment })
    .where(eq(userSessions.id, sessionId))
    .returning();
  return row ?? null;
}

export async function deleteSession(db: Executor, sessionId: string): Promise<void> {
  await db.delete(userSessions).where(eq(userSessions.id, sessionId));
}

/** Ends every session of a person; returns how many there were. */
export async function deleteSessionsOf(db: Executor, userId: string): Promise<number> {
  const rows = await db
    .delete(userSessions)
    .where(eq(userSessions.userId, userId))
    .returning({ id: userSessions.id });
  return rows.length;
}

/** Which of these sessions still exist and have not expired. */
export async function liveSessionIds(db: Executor, ids: string[], now: Date): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: userSessions.id })
    .from(userSessions)
    .where(and(inArray(userSessions.id, ids), gt(userSessions.expiresAt, now)));
  return new Set(rows.map((row) => row.id));
}

export async function deleteExpiredSessions(db: Executor, now: Date): Promise<void> {
  await db.delete(userSessions).where(lt(userSessions.expiresAt, now));
}

export async function insertToken(db: Executor, row: typeof userTokens.$inferInsert): Promise<UserTokenRow> {
  const [created] = await db.insert(userTokens).values(row).returning();
  return created!;
}

/** Earlier unused tokens of the same purpose stop working when a new one is made. */
export async function retireTokens(
  db: Executor,
  userId: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<void> {
  await db
    .update(userTokens)
    .set({ usedAt: now })
    .where(and(eq(userTokens.userId, userId), eq(userTokens.purpose, purpose), isNull(userTokens.usedAt)));
}

/**
 * Marks a token used, if it is unused, unexpired and of this purpose: one statement, so two
 * requests with one token cannot both succeed. Null when it cannot be used.
 */
export async function consumeToken(
  db: Executor,
  tokenHash: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<UserTokenRow | null> {
  const [row] = await db
    .update(userTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(userTokens.tokenHash, tokenHash),
        eq(userTokens.purpose, purpose),
        isNull(userTokens.usedAt),
        gt(userTokens.expiresAt, now),
      ),
    )
    .returning();
  return row ?? null;
}

export async function findUserById(db: Executor, id: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row ?? null;
}

export async function findSessionById(
  db: Executor,
  sessionId: string,
): Promise<{ session: SessionRow; user: UserRow; workspace: typeof workspaces.$inferSelect } | null> {
  const [row] = await db
    .select({ session: userSessions, user: users, workspace: workspaces })
    .from(userSessions)
    .innerJoin(users, eq(users.id, userSessions.userId))
    .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
    .where(eq(userSessions.id, sessionId));
  return row ?? null;
}

export async function findWorkspaceName(db: Executor, workspaceId: string): Promise<string> {
  const [row] = await db
    .select({ name: workspaces.name })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  return row?.name ?? '';
}

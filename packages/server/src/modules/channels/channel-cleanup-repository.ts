// SQL for what outlives a channel or its traffic: registrations still to remove at a platform
// after the channel was deleted, and deliveries and one-time tokens past their retention.
import { and, eq, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { channelDeliveries, channelInboundTokens, channelRemovals, channels } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';
import { newUuid } from '../../lib/ids.ts';
import type { ChannelRow } from './channel-repository.ts';

export type RemovalRow = typeof channelRemovals.$inferSelect;

export async function insertRemoval(
  db: Executor,
  channel: Pick<ChannelRow, 'id' | 'workspaceId' | 'environment' | 'type'>,
  botTokenSealed: string,
): Promise<string> {
  const id = newUuid();
  await db.insert(channelRemovals).values({
    id,
    workspaceId: channel.workspaceId,
    environment: channel.environment,
    channelId: channel.id,
    type: channel.type,
    botTokenSealed,
  });
  return id;
}

/** The chatbot's channels, locked until the transaction that deletes them ends. */
export async function lockChannelsOfChatbot(
  db: Executor,
  scope: Scope,
  chatbotId: string,
): Promise<ChannelRow[]> {
  return db
    .select()
    .from(channels)
    .where(and(inScope(channels, scope), eq(channels.chatbotId, chatbotId)))
    .for('update');
}

export async function deleteChannels(db: Executor, ids: string[]): Promise<void> {
  if (ids.length > 0) await db.delete(channels).where(inArray(channels.id, ids));
}

/** Removals whose next attempt is due. */
export async function dueRemovals(db: Executor, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: channelRemovals.id })
    .from(channelRemovals)
    .where(lte(channelRemovals.nextAttemptAt, sql`now()`))
    .orderBy(channelRemovals.nextAttemptAt)
    .limit(limit);
  return rows.map((row) => row.id);
}

/**
 * Takes a due removal for `leaseSeconds`: a second job (another node, a re-sent job) finds it
 * not due and leaves it; a worker that dies mid-call leaves it due again when the lease ends.
 */
export async function claimRemoval(
  db: Executor,
  id: string,
  leaseSeconds: number,
): Promise<RemovalRow | null> {
  const [row] = await db
    .update(channelRemovals)
    .set({ nextAttemptAt: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where(and(eq(channelRemovals.id, id), lte(channelRemovals.nextAttemptAt, sql`now()`)))
    .returning();
  return row ?? null;
}

export async function postponeRemoval(
  db: Executor,
  id: string,
  changes: { attempts: number; lastError: string; nextAttemptAt: Date },
): Promise<void> {
  await db.update(channelRemovals).set(changes).where(eq(channelRemovals.id, id));
}

export async function deleteRemoval(db: Executor, id: string): Promise<void> {
  await db.delete(channelRemovals).where(eq(channelRemovals.id, id));
}

/**
 * Deletes settled deliveries (anything but pending work) created before `boundaryId`, a UUIDv7
 * of the cut-off time so that the primary key serves the scan; at most `limit` of them.
 */
export async function deleteDeliveriesBefore(
  db: Executor,
  boundaryId: string,
  limit: number,
): Promise<number> {
  const batch = db
    .select({ id: channelDeliveries.id })
    .from(channelDeliveries)
    .where(and(lt(channelDeliveries.id, boundaryId), ne(channelDeliveries.status, 'pending')))
    .limit(limit);
  const rows = await db
    .delete(channelDeliveries)
    .where(inArray(channelDeliveries.id, batch))
    .returning({ id: channelDeliveries.id });
  return rows.length;
}

/** Deletes the one-time tokens of inbound posts claimed before `before` (their signatures expired). */
export async function deleteInboundTokensBefore(db: Executor, before: Date): Promise<number> {
  const rows = await db
    .delete(channelInboundTokens)
    .where(lt(channelInboundTokens.createdAt, before))
    .returning({ token: channelInboundTokens.token });
  return rows.length;
}

// SQL for channels, their threads and deliveries. Tenant queries filter on workspace and
// environment; the inbound webhook and the workers look a channel up by id alone.
import { and, asc, desc, eq, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import {
  channelDeliveries,
  channelInboundTokens,
  channels,
  channelThreads,
  workspaces,
} from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';
import { newUuid } from '../../lib/ids.ts';

export type ChannelRow = typeof channels.$inferSelect;
export type DeliveryRow = typeof channelDeliveries.$inferSelect;

export async function insertChannel(db: Executor, row: typeof channels.$inferInsert): Promise<ChannelRow> {
  const [created] = await db.insert(channels).values(row).returning();
  return created!;
}

export async function findChannel(db: Executor, scope: Scope, id: string): Promise<ChannelRow | null> {
  const [row] = await db
    .select()
    .from(channels)
    .where(and(inScope(channels, scope), eq(channels.id, id)));
  return row ?? null;
}

/** A channel by id alone, with its workspace's plan: for inbound webhooks and workers. */
export async function findChannelById(
  db: Executor,
  id: string,
): Promise<{ channel: ChannelRow; plan: string } | null> {
  const [row] = await db
    .select({ channel: channels, plan: workspaces.plan })
    .from(channels)
    .innerJoin(workspaces, eq(workspaces.id, channels.workspaceId))
    .where(eq(channels.id, id));
  return row ?? null;
}

export async function listChannels(
  db: Executor,
  scope: Scope,
  chatbotId: string,
  page: { limit: number; beforeId: string | null },
): Promise<ChannelRow[]> {
  return db
    .select()
    .from(channels)
    .where(
      and(
        inScope(channels, scope),
        eq(channels.chatbotId, chatbotId),
        page.beforeId ? lt(channels.id, page.beforeId) : undefined,
      ),
    )
    .orderBy(desc(channels.id))
    .limit(page.limit);
}

/** Active Telegram channels that poll for updates. */
export async function listPolling(db: Executor): Promise<ChannelRow[]> {
  return db
    .select()
    .from(channels)
    .where(and(eq(channels.type, 'telegram'), eq(channels.mode, 'polling'), eq(channels.status, 'active')));
}

/**
 * Telegram channels whose mode is not the wanted one (the public URL changed), but for
 * disconnected ones. Other platforms only have webhooks.
 */
export async function listInOtherMode(db: Executor, wanted: 'webhook' | 'polling'): Promise<ChannelRow[]> {
  return db
    .select()
    .from(channels)
    .where(
      and(eq(channels.type, 'telegram'), ne(channels.mode, wanted), ne(channels.status, 'disconnected')),
    );
}

export async function updateChannel(
  db: Executor,
  scope: Scope,
  id: string,
  changes: Partial<typeof channels.$inferInsert>,
): Promise<ChannelRow | null> {
  const [row] = await db
    .update(channels)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(and(inScope(channels, scope), eq(channels.id, id)))
    .returning();
  return row ?? null;
}

/** Locks the channel's row for a change of status, so that a change is announced once. */
export async function lockChannel(db: Executor, scope: Scope, id: string): Promise<ChannelRow | null> {
  const [row] = await db
    .select()
    .from(channels)
    .where(and(inScope(channels, scope), eq(channels.id, id)))
    .for('update');
  return row ?? null;
}

/** Stores an inbound update once: false when this platform id was already stored. */
export async function insertInbound(
  db: Executor,
  channel: ChannelRow,
  platformMessageId: string,
  payload: Record<string, unknown>,
): Promise<boolean> {
  const rows = await db
    .insert(channelDeliveries)
    .values({
      id: newUuid(),
      workspaceId: channel.workspaceId,
      environment: channel.environment,
      channelId: channel.id,
      direction: 'inbound',
      platformMessageId,
      payload,
    })
    .onConflictDoNothing()
    .returning({ id: channelDeliveries.id });
  return rows.length > 0;
}

export async function insertOutbound(
  db: Executor,
  channel: Pick<ChannelRow, 'id' | 'workspaceId' | 'environment'>,
  values: { conversationId: string | null; messageId: string | null; payload: Record<string, unknown> },
): Promise<void> {
  await db.insert(channelDeliveries).values({
    id: newUuid(),
    workspaceId: channel.workspaceId,
    environment: channel.environment,
    channelId: channel.id,
    direction: 'outbound',
    ...values,
  });
}

/** Replies before updates, each oldest first: how a channel's due work is taken and done. */
function replyFirst(a: DeliveryRow, b: DeliveryRow): number {
  if (a.direction !== b.direction) return a.direction === 'outbound' ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Claims up to `limit` deliveries of a channel that are due, replies first (so that a burst of
 * inbound updates does not hold back the replies already written), each oldest first. Their
 * next attempt moves `leaseSeconds` ahead, so that another worker (another node, or a job run
 * twice) skips them, and a worker that dies mid-delivery leaves them to be tried again once the
 * lease ends. Whoever handles a claimed delivery sets its outcome (status, or the next attempt).
 */
export async function claimDueDeliveries(
  db: Executor,
  channelId: string,
  limit: number,
  leaseSeconds: number,
): Promise<DeliveryRow[]> {
  const due = db
    .select({ id: channelDeliveries.id })
    .from(channelDeliveries)
    .where(
      and(
        eq(channelDeliveries.channelId, channelId),
        eq(channelDeliveries.status, 'pending'),
        lte(channelDeliveries.nextAttemptAt, sql`now()`),
      ),
    )
    .orderBy(sql`${channelDeliveries.direction} = 'outbound' DESC`, asc(channelDeliveries.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  const claimed = await db
    .update(channelDeliveries)
    .set({ nextAttemptAt: sql`now() + make_interval(secs => ${leaseSeconds})`, updatedAt: sql`now()` })
    .where(inArray(channelDeliveries.id, due))
    .returning();
  return claimed.sort(replyFirst);
}

/**
 * Claims a one-time token of the channel's inbound posts (Mailgun's): false when it was claimed
 * before. Under the primary key, a concurrent claim of the same token waits for this one's
 * transaction and then finds it taken.
 */
export async function claimInboundToken(
  db: Executor,
  channel: Pick<ChannelRow, 'id' | 'workspaceId' | 'environment'>,
  token: string,
): Promise<boolean> {
  const rows = await db
    .insert(channelInboundTokens)
    .values({
      workspaceId: channel.workspaceId,
      environment: channel.environment,
      channelId: channel.id,
      token,
    })
    .onConflictDoNothing()
    .returning({ token: channelInboundTokens.token });
  return rows.length > 0;
}

export async function findDelivery(db: Executor, id: string): Promise<DeliveryRow | null> {
  const [row] = await db.select().from(channelDeliveries).where(eq(channelDeliveries.id, id));
  return row ?? null;
}

/** The newest inbound delivery of a conversation on a channel (what a reply answers). */
export async function lastInboundOf(db: Executor, channelId: string, conversationId: string) {
  const [row] = await db
    .select()
    .from(channelDeliveries)
    .where(
      and(
        eq(channelDeliveries.channelId, channelId),
        eq(channelDeliveries.conversationId, conversationId),
        eq(channelDeliveries.direction, 'inbound'),
      ),
    )
    .orderBy(desc(channelDeliveries.id))
    .limit(1);
  return row ?? null;
}

/** Channels with deliveries due now. */
export async function channelsWithDueWork(db: Executor): Promise<string[]> {
  const rows = await db
    .select({ channelId: channelDeliveries.channelId })
    .from(channelDeliveries)
    .where(and(eq(channelDeliveries.status, 'pending'), lte(channelDeliveries.nextAttemptAt, sql`now()`)))
    .groupBy(channelDeliveries.channelId);
  return rows.map((row) => row.channelId);
}

export async function updateDelivery(
  db: Executor,
  id: string,
  changes: Partial<typeof channelDeliveries.$inferInsert>,
): Promise<void> {
  await db
    .update(channelDeliveries)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(channelDeliveries.id, id));
}

export async function listDeliveries(
  db: Executor,
  scope: Scope,
  channelId: string,
  page: { limit: number; beforeId: string | null },
): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(channelDeliveries)
    .where(
      and(
        inScope(channelDeliveries, scope),
        eq(channelDeliveries.channelId, channelId),
        page.beforeId ? lt(channelDeliveries.id, page.beforeId) : undefined,
      ),
    )
    .orderBy(desc(channelDeliveries.id))
    .limit(page.limit);
}

export async function findThread(db: Executor, channelId: string, externalId: string) {
  const [row] = await db
    .select()
    .from(channelThreads)
    .where(and(eq(channelThreads.channelId, channelId), eq(channelThreads.externalId, externalId)));
  return row ?? null;
}

export async function findThreadOfConversation(db: Executor, conversationId: string) {
  const [row] = await db
    .select({ thread: channelThreads, channel: channels })
    .from(channelThreads)
    .innerJoin(channels, eq(channels.id, channelThreads.channelId))
    .where(eq(channelThreads.conversationId, conversationId));
  return row ?? null;
}

/**
 * The chat's conversation, and when the visitor last wrote: the later of the stored time and
 * this message's, since platforms may deliver an older message late (WhatsApp after an outage),
 * and WhatsApp's 24-hour window runs from their latest message, not the last one delivered.
 */
export async function upsertThread(
  db: Executor,
  channel: ChannelRow,
  externalId: string,
  conversationId: string,
  lastInboundAt: Date,
): Promise<void> {
  await db
    .insert(channelThreads)
    .values({
      id: newUuid(),
      workspaceId: channel.workspaceId,
      environment: channel.environment,
      channelId: channel.id,
      externalId,
      conversationId,
      lastInboundAt,
    })
    .onConflictDoUpdate({
      target: [channelThreads.channelId, channelThreads.externalId],
      // The visitor's message ends any question about their rating: it is asked once.
      set: {
        conversationId,
        lastInboundAt: sql`greatest(${channelThreads.lastInboundAt}, excluded.last_inbound_at)`,
        ratingAskedAt: null,
      },
    });
}

/** Sets (or clears, with null) when the chat was asked to rate its resolved conversation. */
export async function markRatingAsked(db: Executor, threadId: string, at: Date | null): Promise<void> {
  await db.update(channelThreads).set({ ratingAskedAt: at }).where(eq(channelThreads.id, threadId));
}

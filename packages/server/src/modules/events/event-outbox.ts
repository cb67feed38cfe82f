// The event outbox, and the only way other modules reach the events table. A change and its event
// are written in one transaction (recordEvent), so an event exists exactly when its change
// committed; delivery (webhooks) claims the events not yet dispatched, marks them dispatched in
// the same transaction, and reads the events it sends by id.
import { and, asc, eq, inArray, isNull, like, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { events } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { newUuid } from '../../lib/ids.ts';

export const EVENT_TYPES = [
  'conversation.started',
  'message.received',
  'message.sent',
  'lead.captured',
  'conversation.escalated',
  'conversation.closed',
  'conversation.assigned',
  'source.trained',
  'source.failed',
  'integration.failed',
  'channel.connected',
  'channel.disconnected',
  'channel.reconnected',
  'agent_loop.execution.started',
  'agent_loop.completed',
  'agent_loop.failed',
  'agent_loop.awaiting_approval',
  /** Sent by an agent loop's emit_event tool, with the loop's own name and data. */
  'agent_loop.custom',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Work that must happen in the same transaction as an event of some type (agent loops started by
 * events): registered once per process by the module that needs it.
 */
export type EventHook = (
  db: Executor,
  scope: { workspaceId: string; environment: 'live' | 'test' },
  type: EventType,
  data: Record<string, unknown>,
) => Promise<void>;
const hooks: EventHook[] = [];
export function onEventRecorded(hook: EventHook): void {
  hooks.push(hook);
}

export async function recordEvent(
  db: Executor,
  scope: { workspaceId: string; environment: 'live' | 'test' },
  type: EventType,
  data: Record<string, unknown>,
): Promise<string> {
  const id = newUuid();
  await db
    .insert(events)
    .values({ id, workspaceId: scope.workspaceId, environment: scope.environment, type, data });
  for (const hook of hooks) await hook(db, scope, type, data);
  return id;
}

/**
 * A deleted conversation's own events (its start, messages, handoffs, assignments) leave the log
 * with it, and their deliveries not yet made with them: the log keeps what the team erased no
 * longer than the conversation. Lead events stay, as the lead does.
 */
export async function forgetConversationEvents(
  db: Executor,
  scope: { workspaceId: string; environment: 'live' | 'test' },
  conversationId: string,
): Promise<void> {
  await db
    .delete(events)
    .where(
      and(
        eq(events.workspaceId, scope.workspaceId),
        eq(events.environment, scope.environment),
        or(
          and(like(events.type, 'conversation.%'), sql`${events.data}->>'id' = ${conversationId}`),
          and(like(events.type, 'message.%'), sql`${events.data}->>'conversation_id' = ${conversationId}`),
        ),
      ),
    );
}

/** An event as the dispatcher sees it: whose it is, what, and when. */
export interface OutboxEvent {
  id: string;
  workspaceId: string;
  environment: 'live' | 'test';
  type: string;
  createdAt: Date;
}

/**
 * Locks the oldest events not yet dispatched, at most `limit`, until the caller's transaction
 * ends; concurrent dispatchers skip each other's rows. The caller marks them dispatched
 * (markDispatched) in the same transaction.
 */
export async function claimUndispatched(tx: Executor, limit: number): Promise<OutboxEvent[]> {
  return tx
    .select({
      id: events.id,
      workspaceId: events.workspaceId,
      environment: events.environment,
      type: events.type,
      createdAt: events.createdAt,
    })
    .from(events)
    .where(isNull(events.dispatchedAt))
    .orderBy(asc(events.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function markDispatched(tx: Executor, eventIds: string[], at: Date): Promise<void> {
  if (eventIds.length > 0)
    await tx.update(events).set({ dispatchedAt: at }).where(inArray(events.id, eventIds));
}

/** Events by id, with their data; ids of events since purged are absent from the map. */
export async function eventsByIds(
  db: Executor,
  ids: string[],
): Promise<Map<string, { type: string; createdAt: Date; data: Record<string, unknown> }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: events.id, type: events.type, createdAt: events.createdAt, data: events.data })
    .from(events)
    .where(inArray(events.id, ids));
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * An event meant for one endpoint only (a webhook's test event): stored as already dispatched,
 * so that no other endpoint receives it, and kept in the log like any other.
 */
export async function recordDispatchedEvent(
  tx: Executor,
  event: { id: string; scope: Scope; type: string; data: Record<string, unknown>; at: Date },
) {
  const [created] = await tx
    .insert(events)
    .values({
      id: event.id,
      workspaceId: event.scope.workspaceId,
      environment: event.scope.environment,
      type: event.type,
      data: event.data,
      dispatchedAt: event.at,
    })
    .returning();
  return created!;
}

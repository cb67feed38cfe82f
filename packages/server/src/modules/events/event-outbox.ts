// The event outbox. A change and its event are written in one transaction, so an event exists
// exactly when its change committed; delivery (webhooks) reads the outbox after commit.
import type { Executor } from '../../db/client.ts';
import { events } from '../../db/schema.ts';
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

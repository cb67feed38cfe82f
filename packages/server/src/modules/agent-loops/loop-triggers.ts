// What starts executions besides a request: cron schedules (a periodic job with its own clock)
// and events (started in the transaction that records the event, so an event that rolls back
// starts nothing). The same periodic job sends the jobs of executions left queued.
import type { Database, Executor } from '../../db/client.ts';
import { encodeId } from '../../lib/ids.ts';
import { type EventType, onEventRecorded } from '../events/event-outbox.ts';
import * as repo from './agent-loop-repository.ts';
import type { LoopRow } from './agent-loop-schemas.ts';
import type { AgentLoopService } from './agent-loop-service.ts';
import { LEASE_SECONDS } from './loop-runner.ts';
import { nextRunOf } from './loop-settings.ts';

/** The trigger names of the API and the events they listen to. */
const LISTENED: Partial<Record<EventType, string>> = {
  'conversation.escalated': 'conversation.escalated',
  'conversation.closed': 'conversation.closed',
  'lead.captured': 'lead.captured',
  'message.received': 'message.received',
  'channel.disconnected': 'channel.disconnected',
  'agent_loop.custom': 'custom',
};

/** A value at a dotted path of the event's data, as text. */
function valueAt(data: unknown, path: string): string | undefined {
  let current = data;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current === undefined || current === null ? undefined : String(current);
}

export function matches(loop: LoopRow, data: Record<string, unknown>): boolean {
  if (loop.trigger.type !== 'event') return false;
  // A loop never starts itself again with its own custom events.
  if (data.loop_id === encodeId('loop', loop.id)) return false;
  return Object.entries(loop.trigger.filter).every(([path, value]) => valueAt(data, path) === value);
}

let hooked = false;

export function createLoopTriggers(deps: {
  db: Database;
  agentLoops: Pick<AgentLoopService, 'startExecution' | 'queue'>;
  /** The scheduler's clock: tests set it. */
  now?: () => Date;
}) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  async function startForEvent(
    tx: Executor,
    scope: { workspaceId: string; environment: 'live' | 'test' },
    type: EventType,
    data: Record<string, unknown>,
  ) {
    const name = LISTENED[type];
    if (!name) return;
    for (const loop of await repo.listEventLoops(tx, scope, name)) {
      if (matches(loop, data)) await deps.agentLoops.startExecution(tx, loop, 'event', { event: type, data });
    }
  }

  // Once per process: the hook only touches the transaction it is given.
  if (!hooked) {
    hooked = true;
    onEventRecorded(startForEvent);
  }

  return {
    /**
     * Starts the cron loops that are due at `at` (by default the clock's now), each once: the
     * rows are locked and skipped by a concurrent tick. A run due while another is open is
     * skipped or queued, by the loop's overlap rule. Then sends the jobs of executions queued
     * for more than two seconds. Returns the executions started.
     */
    async tick(at: Date = now()): Promise<number> {
      const started = await db.orm.transaction(async (tx) => {
        const due = await repo.claimDueLoops(tx, at, 50);
        const executions = [];
        for (const loop of due) {
          if (loop.trigger.type !== 'cron') continue;
          const open = await repo.openExecutions(tx, loop.id);
          if (open.length === 0 || loop.trigger.overlap === 'queue') {
            executions.push(
              await deps.agentLoops.startExecution(tx, loop, 'cron', {
                scheduled_at: loop.nextRunAt?.toISOString(),
              }),
            );
          }
          await repo.updateLoop(tx, loop, loop.id, { nextRunAt: nextRunOf(loop.trigger, at) });
        }
        return executions;
      });
      for (const execution of started) await deps.agentLoops.queue(execution);
      const stale = await repo.staleExecutions(
        db.orm,
        new Date(Date.now() - 2_000),
        new Date(Date.now() - LEASE_SECONDS * 1000),
        100,
      );
      for (const execution of stale) await deps.agentLoops.queue(execution);
      return started.length;
    },
  };
}

export type LoopTriggers = ReturnType<typeof createLoopTriggers>;

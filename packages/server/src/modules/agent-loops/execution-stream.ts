// Follows one execution live over server-sent events: its state, and each step as it is recorded
// or changes (a tool call started, then its result; an approval pending, then decided), until it
// ends. Steps are written by whichever worker runs the execution, on any node: the stream reads
// them from the database every POLL_MS, the one place every node sees.
import type { FastifyReply } from 'fastify';
import type { Scope } from '../../db/tenant-scope.ts';
import { openEventStream } from '../../http/sse.ts';
import { type ExecutionRow, presentExecution, presentStep } from './agent-loop-schemas.ts';
import type { AgentLoopService } from './agent-loop-service.ts';

const POLL_MS = 250;
const HEARTBEAT_MS = 15_000;
const ENDED = ['succeeded', 'failed', 'cancelled', 'limit_reached'];

/** A step event's id: its number and status, so a client that reconnects gets only what changed. */
const stepEventId = (seq: number, status: string) => `${seq}.${status}`;

function parseLastEventId(value: string | undefined): { seq: number; status: string } | null {
  const match = /^(\d+)\.([a-z_]+)$/.exec(value ?? '');
  return match ? { seq: Number(match[1]), status: match[2]! } : null;
}

export function followExecution(
  reply: FastifyReply,
  loops: Pick<AgentLoopService, 'executionWithSteps'>,
  scope: Scope,
  first: ExecutionRow,
  lastEventId: string | undefined,
): void {
  const stream = openEventStream(reply);
  // What the client has: each step's last status sent, and the execution's last state.
  const seen = new Map<number, string>();
  const resumeAt = parseLastEventId(lastEventId);
  let lastState = '';
  let timer: NodeJS.Timeout | undefined;
  const heartbeat = setInterval(() => stream.ping(), HEARTBEAT_MS);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    clearTimeout(timer);
    stream.end();
  };
  stream.signal.addEventListener('abort', stop);
  const gone = () => stream.signal.aborted || reply.raw.writableEnded || reply.raw.destroyed;

  async function poll(): Promise<void> {
    const { execution, steps } = await loops.executionWithSteps(scope, first.id);
    for (const step of steps) {
      if (seen.get(step.seq) === step.status) continue;
      // Reconnected: what came before the last event the client saw is not sent again.
      const already =
        resumeAt &&
        (step.seq < resumeAt.seq || (step.seq === resumeAt.seq && step.status === resumeAt.status));
      seen.set(step.seq, step.status);
      if (!already) stream.send('step', presentStep(step), stepEventId(step.seq, step.status));
    }
    const state = presentExecution(execution);
    const key = JSON.stringify([state.status, state.step_count, state.tool_call_count, state.tokens_used]);
    if (ENDED.includes(execution.status)) {
      stream.send('end', state);
      stop();
      return;
    }
    if (key !== lastState) {
      lastState = key;
      stream.send('execution', state);
    }
    if (!gone()) timer = setTimeout(next, POLL_MS);
  }

  function next(): void {
    if (gone()) {
      stop();
      return;
    }
    poll().catch((error) => {
      reply.log.warn({ err: error }, 'execution stream failed');
      stream.send('error', {
        error: { type: 'api_error', code: 'stream_failed', message: 'The stream failed.' },
      });
      stop();
    });
  }

  next();
}

// What the loop routes do, written once: /v1/agent-loops and the chatbot platform's compatible
// /agent-loops both call these, and differ only in paths, pages and status codes.
import type { Static } from 'typebox';
import type { Scope } from '../../db/tenant-scope.ts';
import { decodeId } from '../../lib/ids.ts';
import {
  type CreateLoopBody,
  presentExecution,
  presentLoop,
  type UpdateLoopBody,
} from './agent-loop-schemas.ts';
import type { AgentLoopService, LoopInput } from './agent-loop-service.ts';

/** The body's fields as the service takes them: ids decoded (a malformed one is a 400 naming it). */
function loopInput<T extends { integration_id?: string | null }>(
  body: T,
): Omit<T, 'integration_id'> & LoopInput {
  const { integration_id, ...rest } = body;
  if (integration_id === undefined) return rest;
  return {
    ...rest,
    integration_id: integration_id === null ? null : decodeId('int', integration_id, 'integration_id'),
  };
}

export function loopActions(loops: AgentLoopService) {
  const loopId = (id: string) => decodeId('loop', id, 'id');
  return {
    async create(scope: Scope, body: Static<typeof CreateLoopBody>) {
      const { chatbot_id, ...input } = body;
      const chatbotId = decodeId('bot', chatbot_id, 'chatbot_id');
      const { row, warnings } = await loops.create(scope, chatbotId, loopInput(input));
      return presentLoop(row, loops.secretNames(row), warnings);
    },
    async read(scope: Scope, id: string) {
      const row = await loops.getLoop(scope, loopId(id));
      return presentLoop(row, loops.secretNames(row), await loops.warningsFor(scope, row));
    },
    async update(scope: Scope, id: string, body: Static<typeof UpdateLoopBody>) {
      const { row, warnings } = await loops.update(scope, loopId(id), loopInput(body));
      return presentLoop(row, loops.secretNames(row), warnings);
    },
    async remove(scope: Scope, id: string) {
      await loops.remove(scope, loopId(id));
      return { id, deleted: true as const };
    },
    /** Queues an execution; with `wait`, answers when it ends or waits for a person (at most 30 s). */
    async run(scope: Scope, id: string, input: unknown, wait: boolean | undefined) {
      const execution = await loops.run(scope, loopId(id), input);
      if (wait) await loops.waitForExecution(execution.id);
      const current = await loops.executionWithSteps(scope, execution.id);
      return presentExecution(current.execution, current.steps);
    },
  };
}

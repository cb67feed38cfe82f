// Operator actions on agent loops: what `parley loops …` does. Loops and executions are found
// by their ids alone (ids are unique across workspaces); a new loop goes where its chatbot is.
import type { Static } from 'typebox';
import type { Scope } from '../db/tenant-scope.ts';
import { validateInput } from '../http/validation.ts';
import { AppError } from '../lib/errors.ts';
import { decodeId } from '../lib/ids.ts';
import { loopActions } from '../modules/agent-loops/agent-loop-actions.ts';
import {
  CreateLoopBody,
  presentExecution,
  presentLoop,
  RunLoopBody,
} from '../modules/agent-loops/agent-loop-schemas.ts';
import type { AgentLoopService } from '../modules/agent-loops/agent-loop-service.ts';
import type { ChatbotService } from '../modules/chatbots/chatbot-service.ts';
import type { Environment } from '../modules/workspaces/api-key-secrets.ts';
import type { WorkspaceService } from '../modules/workspaces/workspace-service.ts';

type Loop = ReturnType<typeof presentLoop>;
type Execution = ReturnType<typeof presentExecution>;

/** Who decided an approval given from the CLI (the API records the key or the person). */
export const CLI_DECIDER = 'cli';

export interface LoopAdminOps {
  /** `body`: the API's create body (name, chatbot_id, instructions, tools, trigger…). */
  createLoop(input: { body: Record<string, unknown> }): Promise<Loop>;
  listLoops(input: { workspace?: string; environment?: Environment }): Promise<Loop[]>;
  getLoop(input: { id: string }): Promise<Loop>;
  runLoop(input: { id: string; input?: unknown }): Promise<Execution>;
  listLoopExecutions(input: { id: string; limit?: number }): Promise<Execution[]>;
  getLoopExecution(input: { id: string }): Promise<Execution>;
  decideLoopExecution(input: { id: string; decision: 'approved' | 'rejected' }): Promise<Execution>;
  retryLoopExecution(input: { id: string }): Promise<Execution>;
}

export function loopAdminOps(deps: {
  workspaces: WorkspaceService;
  chatbots: ChatbotService;
  agentLoops: AgentLoopService;
}): LoopAdminOps {
  const loops = deps.agentLoops;
  const actions = loopActions(loops);

  async function findScope(found: (scope: Scope) => Promise<unknown>): Promise<Scope | null> {
    for (const workspace of await deps.workspaces.list()) {
      for (const environment of ['live', 'test'] as const) {
        const scope = { workspaceId: workspace.id, environment };
        if (await found(scope).catch(() => null)) return scope;
      }
    }
    return null;
  }

  async function loopScope(id: string): Promise<Scope> {
    const loopId = decodeId('loop', id, 'id');
    const scope = await findScope((candidate) => loops.getLoop(candidate, loopId));
    if (!scope) throw AppError.notFound('agent loop', id);
    return scope;
  }

  async function executionScope(id: string): Promise<{ scope: Scope; executionId: string }> {
    const executionId = decodeId('exec', id, 'id');
    const scope = await findScope((candidate) => loops.getExecution(candidate, executionId));
    if (!scope) throw AppError.notFound('agent loop execution', id);
    return { scope, executionId };
  }

  return {
    async createLoop(input) {
      const body = validateInput<Static<typeof CreateLoopBody>>(CreateLoopBody, input.body);
      const chatbotId = decodeId('bot', body.chatbot_id, 'chatbot_id');
      const scope = await findScope((candidate) => deps.chatbots.get(candidate, chatbotId));
      if (!scope) throw AppError.notFound('chatbot', body.chatbot_id);
      return actions.create(scope, body);
    },

    async listLoops(input) {
      const workspace = input.workspace
        ? await deps.workspaces.get(decodeId('ws', input.workspace, 'workspace'))
        : await deps.workspaces.getDefault();
      const scope = { workspaceId: workspace.id, environment: input.environment ?? ('live' as const) };
      const rows = await loops.list(scope, { limit: 1000, beforeId: null });
      return rows.map((row) => presentLoop(row, loops.secretNames(row)));
    },

    async getLoop(input) {
      return actions.read(await loopScope(input.id), input.id);
    },

    async runLoop(input) {
      const body = validateInput<Static<typeof RunLoopBody>>(RunLoopBody, { input: input.input });
      return actions.run(await loopScope(input.id), input.id, body.input, false);
    },

    async listLoopExecutions(input) {
      const scope = await loopScope(input.id);
      const rows = await loops.listExecutions(scope, decodeId('loop', input.id, 'id'), {
        limit: input.limit ?? 20,
        beforeId: null,
      });
      return rows.map((row) => presentExecution(row));
    },

    async getLoopExecution(input) {
      const { scope, executionId } = await executionScope(input.id);
      const { execution, steps } = await loops.executionWithSteps(scope, executionId);
      return presentExecution(execution, steps);
    },

    async decideLoopExecution(input) {
      const { scope, executionId } = await executionScope(input.id);
      return presentExecution(await loops.decide(scope, executionId, input.decision, CLI_DECIDER));
    },

    async retryLoopExecution(input) {
      const { scope, executionId } = await executionScope(input.id);
      return presentExecution(await loops.retry(scope, executionId, CLI_DECIDER));
    },
  };
}

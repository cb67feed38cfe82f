// Operator actions on chat: what `parley chat` does. The workspace's plan limits apply as they
// do over the API.
import { decodeId } from '../lib/ids.ts';
import { presentHumanTurn, presentReply } from '../modules/chat/chat-schemas.ts';
import type { ChatService } from '../modules/chat/chat-service.ts';
import type { Environment } from '../modules/workspaces/api-key-secrets.ts';
import type { PlanTable } from '../modules/workspaces/plans.ts';
import type { WorkspaceService } from '../modules/workspaces/workspace-service.ts';

export interface ChatAdminInput {
  bot: string;
  message: string;
  conversation_id?: string;
  workspace?: string;
  environment?: Environment;
}

type Reply = ReturnType<typeof presentReply> | ReturnType<typeof presentHumanTurn>;

export interface ChatAdminOps {
  chat(input: ChatAdminInput): Promise<Reply>;
}

export function chatAdminOps(deps: {
  workspaces: WorkspaceService;
  chat: ChatService;
  config: { plans: PlanTable };
}): ChatAdminOps {
  return {
    async chat(input) {
      const workspace = input.workspace
        ? await deps.workspaces.get(decodeId('ws', input.workspace, 'workspace'))
        : await deps.workspaces.getDefault();
      const scope = { workspaceId: workspace.id, environment: input.environment ?? ('live' as const) };
      const limits = deps.config.plans[workspace.plan] ?? { messages_per_month: null };
      const turn = await deps.chat.prepare(scope, limits, decodeId('bot', input.bot, 'bot'), {
        message: input.message,
        ...(input.conversation_id ? { conversation_id: input.conversation_id } : {}),
      });
      if (turn.mode === 'human') return presentHumanTurn(turn);
      return presentReply(await deps.chat.answer(turn));
    },
  };
}

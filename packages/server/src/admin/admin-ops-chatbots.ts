// Operator actions on chatbots: what `parley bots …` does.

import { validateInput } from '../http/validation.ts';
import { AppError } from '../lib/errors.ts';
import { decodeId } from '../lib/ids.ts';
import { CreateChatbotBody, presentChatbot } from '../modules/chatbots/chatbot-schemas.ts';
import type { ChatbotService } from '../modules/chatbots/chatbot-service.ts';
import { CreateIntegrationBody } from '../modules/integrations/integration-schemas.ts';
import type { IntegrationService } from '../modules/integrations/integration-service.ts';
import type { Environment } from '../modules/workspaces/api-key-secrets.ts';
import type { WorkspaceService } from '../modules/workspaces/workspace-service.ts';

type Chatbot = ReturnType<typeof presentChatbot>;

export interface CreateBotInput {
  name: string;
  system_prompt?: string;
  provider?: string;
  model?: string;
  workspace?: string;
  environment?: Environment;
}

export interface ChatbotAdminOps {
  createBot(input: CreateBotInput): Promise<Chatbot>;
  listBots(input: { workspace?: string; environment?: Environment }): Promise<Chatbot[]>;
}

/** A model to start with when `--provider` is given without `--model`. */
export const DEFAULT_MODELS: Record<string, string> = {
  openai: 'gpt-4o-mini',
  chatgpt: 'gpt-4o-mini',
  gemini: 'gemini-2.0-flash',
  anthropic: 'claude-3-5-haiku-latest',
  ollama: 'llama3.2',
};

export function chatbotAdminOps(deps: {
  workspaces: WorkspaceService;
  chatbots: ChatbotService;
  integrations: IntegrationService;
}): ChatbotAdminOps {
  async function scopeOf(input: { workspace?: string; environment?: Environment }) {
    const workspace = input.workspace
      ? await deps.workspaces.get(decodeId('ws', input.workspace, 'workspace'))
      : await deps.workspaces.getDefault();
    return { workspaceId: workspace.id, environment: input.environment ?? ('live' as const) };
  }

  return {
    async createBot(input) {
      const body = validateInput<{ name: string; system_prompt?: string }>(CreateChatbotBody, {
        name: input.name,
        ...(input.system_prompt === undefined ? {} : { system_prompt: input.system_prompt }),
      });
      const scope = await scopeOf(input);
      const model = input.provider ? (input.model ?? DEFAULT_MODELS[input.provider]) : undefined;
      if (input.provider && !model) {
        throw AppError.invalid(
          'missing_required_field',
          `Give --model for provider '${input.provider}'.`,
          'model',
        );
      }
      const row = await deps.chatbots.create(scope, body);
      if (input.provider && model) {
        try {
          // The credential comes from the server's environment (OPENAI_API_KEY, …) when not stored.
          const integration = validateInput<{ provider: string; model: string }>(CreateIntegrationBody, {
            provider: input.provider,
            model,
          });
          await deps.integrations.create(scope, row.id, integration);
        } catch (error) {
          await deps.chatbots.remove(scope, row.id);
          throw error;
        }
      }
      const providers = await deps.integrations.providersOf(scope, [row.id]);
      return presentChatbot(row, providers.get(row.id) ?? 'extractive');
    },

    async listBots(input) {
      const scope = await scopeOf(input);
      const rows = await deps.chatbots.list(scope, { limit: 1000, beforeId: null });
      const providers = await deps.integrations.providersOf(
        scope,
        rows.map((row) => row.id),
      );
      return rows.map((row) => presentChatbot(row, providers.get(row.id) ?? 'extractive'));
    },
  };
}

// Operator actions on messaging channels: what `parley channels …` does.
import { validateInput } from '../http/validation.ts';
import { AppError } from '../lib/errors.ts';
import { decodeId } from '../lib/ids.ts';
import type { CreateChannelInput } from '../modules/channels/channel-connect.ts';
import { CreateChannelBody, type presentChannel } from '../modules/channels/channel-schemas.ts';
import type { ChannelService } from '../modules/channels/channel-service.ts';
import type { ChatbotService } from '../modules/chatbots/chatbot-service.ts';
import type { WorkspaceService } from '../modules/workspaces/workspace-service.ts';

type Channel = ReturnType<typeof presentChannel>;

export interface ChannelAdminOps {
  /** `fields`: the type's credentials and settings, as in the API (bot_token, signing_secret…). */
  addChannel(input: {
    chatbot: string;
    type: string;
    fields: Record<string, unknown>;
    name?: string;
  }): Promise<Channel & { secret?: string }>;
  listChannels(input: { chatbot: string }): Promise<Channel[]>;
  testChannel(input: { id: string }): Promise<{ ok: boolean; error: string | null }>;
}

export function channelAdminOps(deps: {
  workspaces: WorkspaceService;
  chatbots: ChatbotService;
  channels: ChannelService;
}): ChannelAdminOps {
  /** Ids are unique across workspaces: find the scope holding the resource from its id alone. */
  async function findScope<T>(
    lookup: (scope: { workspaceId: string; environment: 'live' | 'test' }) => Promise<T>,
  ) {
    for (const workspace of await deps.workspaces.list()) {
      for (const environment of ['live', 'test'] as const) {
        const scope = { workspaceId: workspace.id, environment };
        const found = await lookup(scope).catch(() => null);
        if (found) return { scope, found };
      }
    }
    return null;
  }

  async function botScope(id: string) {
    const chatbotId = decodeId('bot', id, 'chatbot');
    const located = await findScope((scope) => deps.chatbots.get(scope, chatbotId));
    if (!located) throw AppError.notFound('chatbot', id);
    return { scope: located.scope, chatbotId };
  }

  return {
    async addChannel(input) {
      const { scope, chatbotId } = await botScope(input.chatbot);
      const body = validateInput<CreateChannelInput>(CreateChannelBody, {
        ...input.fields,
        type: input.type,
        ...(input.name ? { name: input.name } : {}),
      });
      const row = await deps.channels.create(scope, chatbotId, body);
      return {
        ...deps.channels.present(row),
        ...(row.generatedSecret ? { secret: row.generatedSecret } : {}),
      };
    },
    async listChannels(input) {
      const { scope, chatbotId } = await botScope(input.chatbot);
      const rows = await deps.channels.list(scope, chatbotId, { limit: 1000, beforeId: null });
      return rows.map(deps.channels.present);
    },
    async testChannel(input) {
      const channelId = decodeId('ch', input.id, 'id');
      const located = await findScope((scope) => deps.channels.get(scope, channelId));
      if (!located) throw AppError.notFound('channel', input.id);
      return deps.channels.test(located.scope, channelId);
    },
  };
}

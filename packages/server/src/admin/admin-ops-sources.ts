// Operator actions on knowledge sources: what `parley sources …` does.

import { validateInput } from '../http/validation.ts';
import { AppError } from '../lib/errors.ts';
import { decodeId } from '../lib/ids.ts';
import type { ChatbotService } from '../modules/chatbots/chatbot-service.ts';
import {
  CreateSourceBody,
  type CreateSourceInput,
  presentSource,
} from '../modules/sources/source-schemas.ts';
import type { SourceService } from '../modules/sources/source-service.ts';
import type { WorkspaceService } from '../modules/workspaces/workspace-service.ts';

type Source = ReturnType<typeof presentSource>;

export interface AddSourceInput {
  chatbot: string;
  url?: string;
  crawl?: boolean;
  text?: string;
  title?: string;
  /** A file read by the CLI, base64 so it can cross the local socket as JSON. */
  file?: { filename: string; contentType: string; base64: string };
}

export interface SourceAdminOps {
  addSource(input: AddSourceInput): Promise<Source>;
  getSource(input: { id: string }): Promise<Source>;
  listSources(input: { chatbot: string }): Promise<Source[]>;
}

export function sourceAdminOps(deps: {
  workspaces: WorkspaceService;
  chatbots: ChatbotService;
  sources: SourceService;
}): SourceAdminOps {
  /** Chatbot ids are unique across workspaces: find the bot's scope from the id alone. */
  async function botScope(id: string) {
    const chatbotId = decodeId('bot', id, 'chatbot');
    for (const workspace of await deps.workspaces.list()) {
      for (const environment of ['live', 'test'] as const) {
        const scope = { workspaceId: workspace.id, environment };
        const found = await deps.chatbots.get(scope, chatbotId).catch(() => null);
        if (found) return { scope, chatbotId };
      }
    }
    throw AppError.notFound('chatbot', id);
  }

  async function sourceScope(id: string) {
    const sourceId = decodeId('src', id, 'id');
    for (const workspace of await deps.workspaces.list()) {
      for (const environment of ['live', 'test'] as const) {
        const scope = { workspaceId: workspace.id, environment };
        const found = await deps.sources.get(scope, sourceId).catch(() => null);
        if (found) return found;
      }
    }
    throw AppError.notFound('source', id);
  }

  return {
    async addSource(input) {
      const { scope, chatbotId } = await botScope(input.chatbot);
      const given = [input.url, input.text, input.file].filter((value) => value !== undefined).length;
      if (given !== 1)
        throw AppError.invalid('invalid_parameter', 'Give exactly one of --url, --text or --file.');
      let body: unknown;
      if (input.url) body = { type: input.crawl ? 'website' : 'url', url: input.url };
      else if (input.text !== undefined)
        body = { type: 'text', title: input.title ?? input.text.slice(0, 60), content: input.text };
      else body = { type: 'file', ...(input.title ? { title: input.title } : {}) };
      const parsed = validateInput<CreateSourceInput>(CreateSourceBody, body);
      const file = input.file
        ? {
            filename: input.file.filename,
            contentType: input.file.contentType,
            bytes: Buffer.from(input.file.base64, 'base64'),
          }
        : null;
      return presentSource(await deps.sources.create(scope, chatbotId, parsed, file));
    },
    async getSource(input) {
      return presentSource(await sourceScope(input.id));
    },
    async listSources(input) {
      const { scope, chatbotId } = await botScope(input.chatbot);
      const rows = await deps.sources.list(scope, chatbotId, { limit: 1000, beforeId: null });
      return rows.map(presentSource);
    },
  };
}

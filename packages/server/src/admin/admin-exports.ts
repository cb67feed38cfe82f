// `parley export …`: the same exports as the API's downloads (conversations, leads, a chatbot's
// knowledge), with how many records they hold first, so that the CLI can show its progress.
// Not one of the JSON operator actions: the parts cross the admin socket as they are read.
import type { Database } from '../db/client.ts';
import { AppError } from '../lib/errors.ts';
import { decodeId } from '../lib/ids.ts';
import type { ChatbotService } from '../modules/chatbots/chatbot-service.ts';
import { conversationExportParts } from '../modules/conversations/conversation-export.ts';
import { countConversations } from '../modules/conversations/conversation-queries.ts';
import { leadExportParts } from '../modules/leads/lead-export.ts';
import { countLeads } from '../modules/leads/lead-repository.ts';
import { knowledgeExportParts } from '../modules/sources/source-export.ts';
import { countChatbotDocuments } from '../modules/sources/source-repository.ts';
import type { WorkspaceService } from '../modules/workspaces/workspace-service.ts';
import { EXPORT_KINDS, type Exporter } from './export-request.ts';

export function createExporter(deps: {
  db: Database;
  workspaces: WorkspaceService;
  chatbots: ChatbotService;
}): Exporter {
  return async (request) => {
    if (!EXPORT_KINDS.includes(request.kind))
      throw AppError.invalid('invalid_export', `Export one of: ${EXPORT_KINDS.join(', ')}.`);
    const format = request.format ?? 'ndjson';
    if (format !== 'ndjson' && format !== 'csv')
      throw AppError.invalid('invalid_format', 'The format is ndjson or csv.');
    const workspace = request.workspace
      ? await deps.workspaces.get(decodeId('ws', request.workspace, 'workspace'))
      : await deps.workspaces.getDefault();
    const scope = { workspaceId: workspace.id, environment: request.environment ?? ('live' as const) };
    const chatbotId = request.chatbot ? decodeId('bot', request.chatbot, 'chatbot') : undefined;
    if (chatbotId) await deps.chatbots.assertExists(scope, chatbotId);

    switch (request.kind) {
      case 'conversations': {
        const filters = { chatbotId };
        return {
          total: await countConversations(deps.db.orm, scope, filters),
          parts: conversationExportParts(deps.db, scope, filters, format),
        };
      }
      case 'leads': {
        const filter = { chatbotId };
        return {
          total: await countLeads(deps.db.orm, scope, filter),
          parts: leadExportParts(deps.db, scope, filter, format),
        };
      }
      case 'knowledge': {
        if (!chatbotId)
          throw AppError.invalid('chatbot_required', "A knowledge export is a chatbot's: give its id.");
        if (format !== 'ndjson')
          throw AppError.invalid('invalid_format', 'A knowledge export is NDJSON (a document per line).');
        return {
          total: await countChatbotDocuments(deps.db.orm, scope, chatbotId),
          parts: knowledgeExportParts(deps.db, scope, chatbotId),
        };
      }
    }
  };
}

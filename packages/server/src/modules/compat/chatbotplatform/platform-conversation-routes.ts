// The chatbot platform's conversations: a bot's list (with filters), one conversation, its
// messages, deletion; Parley's conversations in page/per_page pages.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { scopeOf } from '../../../http/auth.ts';
import { DeletedResponse, IdParams } from '../../../http/schemas.ts';
import { decodeId } from '../../../lib/ids.ts';
import type { ChatbotService } from '../../chatbots/chatbot-service.ts';
import {
  ConversationFilterQuery,
  ConversationResponse,
  MessageResponse,
  presentConversation,
  presentMessage,
} from '../../conversations/conversation-schemas.ts';
import type { ConversationService } from '../../conversations/conversation-service.ts';
import { OffsetQuery, offsetPageSchema, offsetResponse } from './platform-scope.ts';

const { chatbot_id: _byPath, ...Filters } = ConversationFilterQuery;
const ListQuery = Type.Object({ ...OffsetQuery.properties, ...Filters }, { additionalProperties: false });

export function platformConversationRoutes(deps: {
  chatbots: ChatbotService;
  conversations: ConversationService;
}) {
  const { conversations } = deps;

  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Conversations'];

    app.get(
      '/bots/:bot_id/conversations',
      {
        schema: {
          operationId: 'listConversations',
          tags,
          description:
            'The bot’s conversations, newest activity first. Filters: status (open|closed), mode (ai|human), channel, email, updated_after, q (text of a message).',
          params: Type.Object({ bot_id: Type.String({ maxLength: 100 }) }),
          querystring: ListQuery,
          response: { 200: offsetPageSchema(ConversationResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const chatbotId = decodeId('bot', request.params.bot_id, 'bot_id');
        await deps.chatbots.assertExists(scope, chatbotId);
        const { page: _page, per_page: _perPage, updated_after, ...filters } = request.query;
        const filtersWithBot = {
          ...filters,
          chatbotId,
          ...(updated_after ? { updatedAfter: new Date(updated_after) } : {}),
        };
        return offsetResponse(
          request.query,
          (limit) => conversations.list(scope, filtersWithBot, { limit, after: null }),
          (rows) => rows.map(presentConversation),
        );
      },
    );

    app.get(
      '/conversations/:id',
      {
        schema: {
          operationId: 'getConversation',
          tags,
          params: IdParams,
          response: { 200: ConversationResponse },
        },
      },
      async (request) =>
        presentConversation(
          await conversations.get(scopeOf(request), decodeId('conv', request.params.id, 'id')),
        ),
    );

    app.get(
      '/conversations/:id/messages',
      {
        schema: {
          operationId: 'listMessages',
          tags,
          description: 'The messages of a conversation, oldest first.',
          params: IdParams,
          querystring: OffsetQuery,
          response: { 200: offsetPageSchema(MessageResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const conversation = await conversations.get(scope, decodeId('conv', request.params.id, 'id'));
        return offsetResponse(
          request.query,
          (limit) => conversations.listMessages(scope, conversation.id, { limit, afterId: null }),
          (rows) => rows.map(presentMessage),
        );
      },
    );

    app.delete(
      '/conversations/:id',
      {
        schema: {
          operationId: 'deleteConversation',
          tags,
          description: 'Deletes the conversation and its messages.',
          params: IdParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        await conversations.remove(scopeOf(request), decodeId('conv', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );
  };
}

// The chatbot platform's bots: Parley's chatbots, in page/per_page pages, 201 on create.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../../http/auth.ts';
import { DeletedResponse, IdParams } from '../../../http/schemas.ts';
import { decodeId } from '../../../lib/ids.ts';
import {
  ChatbotResponse,
  type ChatbotRow,
  CreateChatbotBody,
  presentChatbot,
  UpdateChatbotBody,
} from '../../chatbots/chatbot-schemas.ts';
import type { ChatbotService } from '../../chatbots/chatbot-service.ts';
import type { IntegrationService } from '../../integrations/integration-service.ts';
import { presentWithProviders } from '../compat-providers.ts';
import { OffsetQuery, offsetPageSchema, offsetResponse } from './platform-scope.ts';

export function platformBotRoutes(deps: { chatbots: ChatbotService; integrations: IntegrationService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Bots'];

    const present = (scope: ReturnType<typeof scopeOf>, rows: ChatbotRow[]) =>
      presentWithProviders(deps.integrations, scope, rows, presentChatbot);
    const presentOne = async (scope: ReturnType<typeof scopeOf>, row: ChatbotRow) =>
      (await present(scope, [row]))[0]!;

    app.get(
      '/bots',
      {
        schema: {
          operationId: 'listBots',
          tags,
          description: 'Bots, newest first.',
          querystring: OffsetQuery,
          response: { 200: offsetPageSchema(ChatbotResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        return offsetResponse(
          request.query,
          (limit) => deps.chatbots.list(scope, { limit, beforeId: null }),
          (rows) => present(scope, rows),
        );
      },
    );

    app.post(
      '/bots',
      {
        schema: {
          operationId: 'createBot',
          tags,
          description: 'Creates a bot. Only `name` is required.',
          body: CreateChatbotBody,
          response: { 201: ChatbotResponse },
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request);
        const row = await deps.chatbots.create(scope, request.body);
        return reply.code(201).send(await presentOne(scope, row));
      },
    );

    app.get(
      '/bots/:id',
      { schema: { operationId: 'getBot', tags, params: IdParams, response: { 200: ChatbotResponse } } },
      async (request) => {
        const scope = scopeOf(request);
        const row = await deps.chatbots.get(scope, decodeId('bot', request.params.id, 'id'));
        return presentOne(scope, row);
      },
    );

    app.patch(
      '/bots/:id',
      {
        schema: {
          operationId: 'updateBot',
          tags,
          params: IdParams,
          body: UpdateChatbotBody,
          response: { 200: ChatbotResponse },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const row = await deps.chatbots.update(scope, decodeId('bot', request.params.id, 'id'), request.body);
        return presentOne(scope, row);
      },
    );

    app.delete(
      '/bots/:id',
      { schema: { operationId: 'deleteBot', tags, params: IdParams, response: { 200: DeletedResponse } } },
      async (request) => {
        await deps.chatbots.remove(scopeOf(request), decodeId('bot', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );
  };
}

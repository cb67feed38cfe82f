// /v1/chatbots
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import type { IntegrationService } from '../integrations/integration-service.ts';
import { ChatbotResponse, CreateChatbotBody, presentChatbot, UpdateChatbotBody } from './chatbot-schemas.ts';
import type { ChatbotService } from './chatbot-service.ts';

export function chatbotRoutes(deps: { chatbots: ChatbotService; integrations: IntegrationService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Chatbots'];

    async function present(scope: ReturnType<typeof scopeOf>, row: Parameters<typeof presentChatbot>[0]) {
      const providers = await deps.integrations.providersOf(scope, [row.id]);
      return presentChatbot(row, providers.get(row.id) ?? 'extractive');
    }

    app.get(
      '/v1/chatbots',
      {
        schema: {
          operationId: 'listChatbots',
          tags,
          description: 'Lists chatbots, newest first.',
          querystring: PageQuery,
          response: { 200: pageSchema(ChatbotResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const page = parsePage(request.query);
        const rows = await deps.chatbots.list(scope, { limit: page.pageSize + 1, beforeId: page.afterId });
        const providers = await deps.integrations.providersOf(
          scope,
          rows.map((row) => row.id),
        );
        return toPage(rows, page, (row) => presentChatbot(row, providers.get(row.id) ?? 'extractive'));
      },
    );

    app.post(
      '/v1/chatbots',
      {
        schema: {
          operationId: 'createChatbot',
          tags,
          description: 'Creates a chatbot. Only `name` is required; everything else has a sensible default.',
          body: CreateChatbotBody,
          response: { 201: ChatbotResponse },
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request);
        const row = await deps.chatbots.create(scope, request.body);
        return reply.code(201).send(await present(scope, row));
      },
    );

    app.get(
      '/v1/chatbots/:id',
      {
        schema: {
          operationId: 'getChatbot',
          tags,
          params: IdParams,
          response: { 200: ChatbotResponse },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        return present(scope, await deps.chatbots.get(scope, decodeId('bot', request.params.id, 'id')));
      },
    );

    app.patch(
      '/v1/chatbots/:id',
      {
        schema: {
          operationId: 'updateChatbot',
          tags,
          description: 'Changes the given fields. Settings objects are merged: send only what changes.',
          params: IdParams,
          body: UpdateChatbotBody,
          response: { 200: ChatbotResponse },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const id = decodeId('bot', request.params.id, 'id');
        return present(scope, await deps.chatbots.update(scope, id, request.body));
      },
    );

    app.delete(
      '/v1/chatbots/:id',
      {
        schema: {
          operationId: 'deleteChatbot',
          tags,
          description: 'Deletes a chatbot: it disappears at once; its data is purged in the background.',
          params: IdParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        await deps.chatbots.remove(scopeOf(request), decodeId('bot', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );
  };
}

// /v1/chatbots/{id}/integrations and /v1/integrations/{id}
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import {
  CreateIntegrationBody,
  IntegrationResponse,
  IntegrationTestResponse,
  presentIntegration,
  UpdateIntegrationBody,
} from './integration-schemas.ts';
import type { IntegrationService } from './integration-service.ts';

export function integrationRoutes(deps: { integrations: IntegrationService }) {
  const { integrations } = deps;
  const present = (row: Parameters<typeof presentIntegration>[0]) =>
    presentIntegration(row, integrations.keySource(row));

  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Integrations'];

    app.get(
      '/v1/chatbots/:id/integrations',
      {
        schema: {
          operationId: 'listIntegrations',
          tags,
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageSchema(IntegrationResponse) },
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await integrations.list(scopeOf(request), decodeId('bot', request.params.id, 'id'), {
          limit: page.pageSize + 1,
          beforeId: page.afterId,
        });
        return toPage(rows, page, present);
      },
    );

    app.post(
      '/v1/chatbots/:id/integrations',
      {
        schema: {
          operationId: 'createIntegration',
          tags,
          description:
            "Connects the chatbot to an AI provider. A new enabled integration replaces the chatbot's previous one, which is disabled.",
          params: IdParams,
          body: CreateIntegrationBody,
          response: { 201: IntegrationResponse },
        },
      },
      async (request, reply) => {
        const row = await integrations.create(
          scopeOf(request),
          decodeId('bot', request.params.id, 'id'),
          request.body,
        );
        return reply.code(201).send(present(row));
      },
    );

    app.get(
      '/v1/integrations/:id',
      {
        schema: {
          operationId: 'getIntegration',
          tags,
          params: IdParams,
          response: { 200: IntegrationResponse },
        },
      },
      async (request) =>
        present(await integrations.get(scopeOf(request), decodeId('int', request.params.id, 'id'))),
    );

    app.patch(
      '/v1/integrations/:id',
      {
        schema: {
          operationId: 'updateIntegration',
          tags,
          description:
            "`status: active` enables this integration and disables the chatbot's other one. `api_key: null` removes the stored key.",
          params: IdParams,
          body: UpdateIntegrationBody,
          response: { 200: IntegrationResponse },
        },
      },
      async (request) =>
        present(
          await integrations.update(scopeOf(request), decodeId('int', request.params.id, 'id'), request.body),
        ),
    );

    app.delete(
      '/v1/integrations/:id',
      {
        schema: {
          operationId: 'deleteIntegration',
          tags,
          params: IdParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        await integrations.remove(scopeOf(request), decodeId('int', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );

    app.post(
      '/v1/integrations/:id/test',
      {
        schema: {
          operationId: 'testIntegration',
          tags,
          description:
            'Makes one real minimal call through the provider. A failure marks the integration `failing`.',
          params: IdParams,
          response: { 200: IntegrationTestResponse },
        },
      },
      async (request) => integrations.test(scopeOf(request), decodeId('int', request.params.id, 'id')),
    );
  };
}

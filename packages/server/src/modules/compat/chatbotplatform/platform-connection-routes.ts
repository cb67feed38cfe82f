// The chatbot platform's integrations (AI backends) and channels (messaging platforms):
// Parley's, in page/per_page pages, 201 on create.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { scopeOf } from '../../../http/auth.ts';
import { DeletedResponse, IdParams } from '../../../http/schemas.ts';
import { decodeId } from '../../../lib/ids.ts';
import {
  ChannelResponse,
  CreateChannelBody,
  CreatedChannelResponse,
  UpdateChannelBody,
} from '../../channels/channel-schemas.ts';
import type { ChannelService } from '../../channels/channel-service.ts';
import {
  CreateIntegrationBody,
  IntegrationResponse,
  type IntegrationRow,
  presentIntegration,
  UpdateIntegrationBody,
} from '../../integrations/integration-schemas.ts';
import type { IntegrationService } from '../../integrations/integration-service.ts';
import { OffsetQuery, offsetPageSchema, offsetResponse } from './platform-scope.ts';

const BotParams = Type.Object({ bot_id: Type.String({ maxLength: 100 }) });

export function platformConnectionRoutes(deps: {
  integrations: IntegrationService;
  channels: ChannelService;
}) {
  const { integrations, channels } = deps;
  const presentOne = (row: IntegrationRow) => presentIntegration(row, integrations.keySource(row));

  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/bots/:bot_id/integrations',
      {
        schema: {
          operationId: 'listIntegrations',
          tags: ['Integrations'],
          params: BotParams,
          querystring: OffsetQuery,
          response: { 200: offsetPageSchema(IntegrationResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const botId = decodeId('bot', request.params.bot_id, 'bot_id');
        return offsetResponse(
          request.query,
          (limit) => integrations.list(scope, botId, { limit, beforeId: null }),
          (rows) => rows.map(presentOne),
        );
      },
    );

    app.post(
      '/bots/:bot_id/integrations',
      {
        schema: {
          operationId: 'createIntegration',
          tags: ['Integrations'],
          description: "Connects the bot to an AI backend; an enabled one replaces the bot's previous one.",
          params: BotParams,
          body: CreateIntegrationBody,
          response: { 201: IntegrationResponse },
        },
      },
      async (request, reply) => {
        const botId = decodeId('bot', request.params.bot_id, 'bot_id');
        const row = await integrations.create(scopeOf(request), botId, request.body);
        return reply.code(201).send(presentOne(row));
      },
    );

    app.get(
      '/integrations/:id',
      {
        schema: {
          operationId: 'getIntegration',
          tags: ['Integrations'],
          params: IdParams,
          response: { 200: IntegrationResponse },
        },
      },
      async (request) =>
        presentOne(await integrations.get(scopeOf(request), decodeId('int', request.params.id, 'id'))),
    );

    app.patch(
      '/integrations/:id',
      {
        schema: {
          operationId: 'updateIntegration',
          tags: ['Integrations'],
          params: IdParams,
          body: UpdateIntegrationBody,
          response: { 200: IntegrationResponse },
        },
      },
      async (request) =>
        presentOne(
          await integrations.update(scopeOf(request), decodeId('int', request.params.id, 'id'), request.body),
        ),
    );

    app.delete(
      '/integrations/:id',
      {
        schema: {
          operationId: 'deleteIntegration',
          tags: ['Integrations'],
          params: IdParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        await integrations.remove(scopeOf(request), decodeId('int', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );

    app.get(
      '/bots/:bot_id/channels',
      {
        schema: {
          operationId: 'listChannels',
          tags: ['Channels'],
          params: BotParams,
          querystring: OffsetQuery,
          response: { 200: offsetPageSchema(ChannelResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const botId = decodeId('bot', request.params.bot_id, 'bot_id');
        return offsetResponse(
          request.query,
          (limit) => channels.list(scope, botId, { limit, beforeId: null }),
          (rows) => rows.map(channels.present),
        );
      },
    );

    app.post(
      '/bots/:bot_id/channels',
      {
        schema: {
          operationId: 'createChannel',
          tags: ['Channels'],
          description:
            'Connects the bot to a messaging platform (the fields of each type are those of Parley’s POST /v1/chatbots/{id}/channels). Credentials are checked with the platform first.',
          params: BotParams,
          body: CreateChannelBody,
          response: { 201: CreatedChannelResponse },
        },
      },
      async (request, reply) => {
        const botId = decodeId('bot', request.params.bot_id, 'bot_id');
        const row = await channels.create(scopeOf(request), botId, request.body);
        return reply.code(201).send({
          ...channels.present(row),
          ...(row.generatedSecret ? { secret: row.generatedSecret } : {}),
        });
      },
    );

    app.get(
      '/channels/:id',
      {
        schema: {
          operationId: 'getChannel',
          tags: ['Channels'],
          params: IdParams,
          response: { 200: ChannelResponse },
        },
      },
      async (request) =>
        channels.present(await channels.get(scopeOf(request), decodeId('ch', request.params.id, 'id'))),
    );

    app.patch(
      '/channels/:id',
      {
        schema: {
          operationId: 'updateChannel',
          tags: ['Channels'],
          params: IdParams,
          body: UpdateChannelBody,
          response: { 200: ChannelResponse },
        },
      },
      async (request) =>
        channels.present(
          await channels.update(scopeOf(request), decodeId('ch', request.params.id, 'id'), request.body),
        ),
    );

    app.delete(
      '/channels/:id',
      {
        schema: {
          operationId: 'deleteChannel',
          tags: ['Channels'],
          params: IdParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        await channels.remove(scopeOf(request), decodeId('ch', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );
  };
}

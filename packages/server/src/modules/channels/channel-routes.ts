// /v1/chatbots/{id}/channels, /v1/channels/{id}, and the platforms' public webhooks under /hooks.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import * as repo from './channel-repository.ts';
import {
  ChannelResponse,
  ChannelTestResponse,
  CreateChannelBody,
  DeliveryResponse,
  presentChannel,
  presentDelivery,
  TelegramHookParams,
  TelegramUpdateBody,
  UpdateChannelBody,
} from './channel-schemas.ts';
import type { ChannelService } from './channel-service.ts';

export function channelRoutes(deps: { channels: ChannelService; db: import('../../db/client.ts').Database }) {
  const { channels } = deps;

  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Channels'];

    app.get(
      '/v1/chatbots/:id/channels',
      {
        schema: {
          operationId: 'listChannels',
          tags,
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageSchema(ChannelResponse) },
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await channels.list(scopeOf(request), decodeId('bot', request.params.id, 'id'), {
          limit: page.pageSize + 1,
          beforeId: page.afterId,
        });
        return toPage(rows, page, presentChannel);
      },
    );

    app.post(
      '/v1/chatbots/:id/channels',
      {
        schema: {
          operationId: 'createChannel',
          tags,
          description:
            "Connects the chatbot to a messaging platform. Telegram: the bot's token from BotFather. The token is checked with the platform first; one it refuses stores nothing.",
          params: IdParams,
          body: CreateChannelBody,
          response: { 201: ChannelResponse },
        },
      },
      async (request, reply) => {
        const row = await channels.create(
          scopeOf(request),
          decodeId('bot', request.params.id, 'id'),
          request.body,
        );
        return reply.code(201).send(presentChannel(row));
      },
    );

    app.get(
      '/v1/channels/:id',
      { schema: { operationId: 'getChannel', tags, params: IdParams, response: { 200: ChannelResponse } } },
      async (request) =>
        presentChannel(await channels.get(scopeOf(request), decodeId('ch', request.params.id, 'id'))),
    );

    app.patch(
      '/v1/channels/:id',
      {
        schema: {
          operationId: 'updateChannel',
          tags,
          description:
            'A new `bot_token` is checked with the platform and reconnects a disconnected channel.',
          params: IdParams,
          body: UpdateChannelBody,
          response: { 200: ChannelResponse },
        },
      },
      async (request) =>
        presentChannel(
          await channels.update(scopeOf(request), decodeId('ch', request.params.id, 'id'), request.body),
        ),
    );

    app.delete(
      '/v1/channels/:id',
      {
        schema: { operationId: 'deleteChannel', tags, params: IdParams, response: { 200: DeletedResponse } },
      },
      async (request) => {
        await channels.remove(scopeOf(request), decodeId('ch', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );

    app.post(
      '/v1/channels/:id/test',
      {
        schema: {
          operationId: 'testChannel',
          tags,
          description:
            'One real call to the platform. Credentials it refuses mark the channel `disconnected`; a success reconnects it.',
          params: IdParams,
          response: { 200: ChannelTestResponse },
        },
      },
      async (request) => channels.test(scopeOf(request), decodeId('ch', request.params.id, 'id')),
    );

    app.get(
      '/v1/channels/:id/events',
      {
        schema: {
          operationId: 'listChannelEvents',
          tags,
          description:
            "The channel's recent inbound updates and outbound replies, newest first, with their errors.",
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageSchema(DeliveryResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const id = decodeId('ch', request.params.id, 'id');
        await channels.get(scope, id);
        const page = parsePage(request.query);
        const rows = await repo.listDeliveries(deps.db.orm, scope, id, {
          limit: page.pageSize + 1,
          beforeId: page.afterId,
        });
        return toPage(rows, page, presentDelivery);
      },
    );
  };
}

/** What platforms call. No API key: the secret each channel gave its platform guards it. */
export function channelHookRoutes(deps: { channels: ChannelService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.post(
      '/hooks/channels/:id/telegram',
      {
        schema: {
          operationId: 'telegramWebhook',
          tags: ['Channels'],
          description:
            'Telegram delivers updates here (set up by Parley with setWebhook). 403 unless `X-Telegram-Bot-Api-Secret-Token` is the channel’s secret.',
          params: TelegramHookParams,
          body: TelegramUpdateBody,
          response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } },
        },
      },
      async (request) => {
        const secret = request.headers['x-telegram-bot-api-secret-token'];
        await deps.channels.receiveTelegram(
          request.params.id,
          typeof secret === 'string' ? secret : undefined,
          request.body,
        );
        return { ok: true };
      },
    );
  };
}

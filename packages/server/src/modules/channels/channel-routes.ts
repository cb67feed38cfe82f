// /v1/chatbots/{id}/channels, /v1/channels/{id}, and the platforms' public webhooks under /hooks.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import * as repo from './channel-repository.ts';
import {
  CHANNEL_EVENT_RETENTION_DAYS,
  ChannelResponse,
  ChannelTestResponse,
  CreateChannelBody,
  CreatedChannelResponse,
  DeliveryResponse,
  presentDelivery,
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
        return toPage(rows, page, channels.present);
      },
    );

    app.post(
      '/v1/chatbots/:id/channels',
      {
        schema: {
          operationId: 'createChannel',
          tags,
          description:
            "Connects the chatbot to a messaging platform: Telegram (`bot_token`), Slack (`bot_token`, `signing_secret`), WhatsApp Cloud API (`access_token`, `app_secret`, `verify_token`, `phone_number_id`, optional `template`) or custom signed HTTP (`url`, optional `secret`). Credentials are checked with the platform first; any it refuses store nothing. Give the platform the response's `webhook_url`.",
          params: IdParams,
          body: CreateChannelBody,
          response: { 201: CreatedChannelResponse },
        },
      },
      async (request, reply) => {
        const row = await channels.create(
          scopeOf(request),
          decodeId('bot', request.params.id, 'id'),
          request.body,
        );
        return reply.code(201).send({
          ...channels.present(row),
          ...(row.generatedSecret ? { secret: row.generatedSecret } : {}),
        });
      },
    );

    app.get(
      '/v1/channels/:id',
      { schema: { operationId: 'getChannel', tags, params: IdParams, response: { 200: ChannelResponse } } },
      async (request) =>
        channels.present(await channels.get(scopeOf(request), decodeId('ch', request.params.id, 'id'))),
    );

    app.patch(
      '/v1/channels/:id',
      {
        schema: {
          operationId: 'updateChannel',
          tags,
          description:
            "Only the fields of the channel's type. New credentials are checked with the platform and reconnect a disconnected channel. `status: active` without new credentials checks the stored ones first: 400 `channel_credentials_rejected` while the platform refuses them (the channel stays as it was), 502 when it cannot be reached.",
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
      '/v1/channels/:id',
      {
        schema: {
          operationId: 'deleteChannel',
          tags,
          description: [
            'Deletes a channel: its webhook URL stops answering at once. A Telegram webhook Parley',
            'registered is removed at Telegram by a job, retried until Telegram confirms.',
          ].join(' '),
          params: IdParams,
          response: { 200: DeletedResponse },
        },
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
          description: [
            `The channel's inbound updates and outbound replies of the last ${CHANNEL_EVENT_RETENTION_DAYS}`,
            'days (work still pending is kept until done), newest first, with their errors.',
          ].join(' '),
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

// /v1/webhooks, /v1/webhook-deliveries
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import {
  CreateWebhookBody,
  DeliveryResponse,
  ListDeliveriesQuery,
  presentDelivery,
  presentWebhook,
  UpdateWebhookBody,
  WebhookResponse,
  WebhookWithSecretResponse,
} from './webhook-schemas.ts';
import type { WebhookService } from './webhook-service.ts';

export function webhookRoutes(deps: { webhooks: WebhookService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Webhooks'];
    const withSecret = (result: { webhook: Parameters<typeof presentWebhook>[0]; secret: string }) => ({
      ...presentWebhook(result.webhook),
      secret: result.secret,
    });

    app.get(
      '/v1/webhooks',
      {
        schema: {
          operationId: 'listWebhooks',
          tags,
          description: 'Lists webhook endpoints, newest first. Secrets are not shown.',
          querystring: PageQuery,
          response: { 200: pageSchema(WebhookResponse) },
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await deps.webhooks.list(scopeOf(request), {
          limit: page.pageSize + 1,
          beforeId: page.afterId,
        });
        return toPage(rows, page, presentWebhook);
      },
    );

    app.post(
      '/v1/webhooks',
      {
        schema: {
          operationId: 'createWebhook',
          tags,
          description: [
            'Creates a webhook endpoint. Events of the chosen types that happen from now on are POSTed to',
            '`url` in the Standard Webhooks format, signed with `secret` (shown this once).',
          ].join(' '),
          body: CreateWebhookBody,
          response: { 201: WebhookWithSecretResponse },
        },
      },
      async (request, reply) => {
        const created = await deps.webhooks.create(scopeOf(request), request.body);
        return reply.code(201).send(withSecret(created));
      },
    );

    app.get(
      '/v1/webhooks/:id',
      {
        schema: {
          operationId: 'getWebhook',
          tags,
          params: IdParams,
          response: { 200: WebhookResponse },
        },
      },
      async (request) =>
        presentWebhook(await deps.webhooks.get(scopeOf(request), decodeId('wh', request.params.id, 'id'))),
    );

    app.patch(
      '/v1/webhooks/:id',
      {
        schema: {
          operationId: 'updateWebhook',
          tags,
          description:
            'Changes the given fields. `enabled: true` turns on an endpoint disabled after failures.',
          params: IdParams,
          body: UpdateWebhookBody,
          response: { 200: WebhookResponse },
        },
      },
      async (request) => {
        const id = decodeId('wh', request.params.id, 'id');
        return presentWebhook(await deps.webhooks.update(scopeOf(request), id, request.body));
      },
    );

    app.delete(
      '/v1/webhooks/:id',
      {
        schema: {
          operationId: 'deleteWebhook',
          tags,
          description: 'Deletes the endpoint and its delivery history. Pending deliveries are not sent.',
          params: IdParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        await deps.webhooks.remove(scopeOf(request), decodeId('wh', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );

    app.post(
      '/v1/webhooks/:id/rotate-secret',
      {
        schema: {
          operationId: 'rotateWebhookSecret',
          tags,
          description: [
            'Replaces the signing secret and shows the new one. Each replaced secret keeps signing',
            'deliveries (as another signature) for 24 hours, so receivers can switch without losing one.',
            'At most 10 replaced secrets sign at once: another rotation within their 24 hours is a 409.',
          ].join(' '),
          params: IdParams,
          response: { 200: WebhookWithSecretResponse },
        },
      },
      async (request) =>
        withSecret(
          await deps.webhooks.rotateSecret(scopeOf(request), decodeId('wh', request.params.id, 'id')),
        ),
    );

    app.get(
      '/v1/webhooks/:id/deliveries',
      {
        schema: {
          operationId: 'listWebhookDeliveries',
          tags,
          description: 'Lists the deliveries to this endpoint, newest first, each with its attempts.',
          params: IdParams,
          querystring: ListDeliveriesQuery,
          response: { 200: pageSchema(DeliveryResponse) },
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const { status, event_type } = request.query;
        const rows = await deps.webhooks.listDeliveries(
          scopeOf(request),
          decodeId('wh', request.params.id, 'id'),
          { ...(status ? { status } : {}), ...(event_type ? { eventType: event_type } : {}) },
          { limit: page.pageSize + 1, beforeId: page.afterId },
        );
        return toPage(
          rows.map((row) => ({ ...row, id: row.delivery.id })),
          page,
          (row) => presentDelivery(row.delivery, row.attempts),
        );
      },
    );

    app.post(
      '/v1/webhooks/:id/test',
      {
        schema: {
          operationId: 'testWebhook',
          tags,
          description: [
            'Sends a `webhook.test` event to the endpoint now (even when disabled), once, and answers',
            'with the delivery and its attempt: status code, duration, error, start of the response.',
          ].join(' '),
          params: IdParams,
          response: { 200: DeliveryResponse },
        },
      },
      async (request) => {
        const result = await deps.webhooks.sendTest(
          scopeOf(request),
          decodeId('wh', request.params.id, 'id'),
        );
        return presentDelivery(result.delivery, result.attempts);
      },
    );

    app.post(
      '/v1/webhook-deliveries/:id/retry',
      {
        schema: {
          operationId: 'retryWebhookDelivery',
          tags,
          description: [
            'Sends the delivery again now, whatever its status, and answers with it and its attempts.',
            'A pending delivery that fails again keeps its retry schedule.',
          ].join(' '),
          params: IdParams,
          response: { 200: DeliveryResponse },
        },
      },
      async (request) => {
        const result = await deps.webhooks.retryDelivery(
          scopeOf(request),
          decodeId('whd', request.params.id, 'id'),
        );
        return presentDelivery(result.delivery, result.attempts);
      },
    );
  };
}

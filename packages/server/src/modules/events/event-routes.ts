// GET /v1/events, GET /v1/events/{id}: the event log.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import { EVENT_RETENTION_DAYS, EventResponse, ListEventsQuery, presentEvent } from './event-schemas.ts';
import type { EventService } from './event-service.ts';

export function eventRoutes(deps: { events: EventService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Events'];

    app.get(
      '/v1/events',
      {
        schema: {
          operationId: 'listEvents',
          tags,
          description: [
            `Lists the events of the last ${EVENT_RETENTION_DAYS} days, newest first: the same events`,
            'webhooks deliver, so a receiver that was down can catch up by listing them.',
          ].join(' '),
          querystring: ListEventsQuery,
          response: { 200: pageSchema(EventResponse) },
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const { type, created_after } = request.query;
        const rows = await deps.events.list(
          scopeOf(request),
          {
            ...(type === undefined ? {} : { type }),
            ...(created_after === undefined ? {} : { createdAfter: new Date(created_after) }),
          },
          { limit: page.pageSize + 1, beforeId: page.afterId },
        );
        return toPage(rows, page, presentEvent);
      },
    );

    app.get(
      '/v1/events/:id',
      {
        schema: {
          operationId: 'getEvent',
          tags,
          params: IdParams,
          response: { 200: EventResponse },
        },
      },
      async (request) =>
        presentEvent(await deps.events.get(scopeOf(request), decodeId('evt', request.params.id, 'id'))),
    );
  };
}

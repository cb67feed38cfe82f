// API schemas of the event log and how an event is presented on the wire.
import { Type } from 'typebox';
import type { events } from '../../db/schema.ts';
import { PageQuery } from '../../http/pagination.ts';
import { encodeId } from '../../lib/ids.ts';
import { EVENT_TYPES } from './event-outbox.ts';

export type EventRow = typeof events.$inferSelect;

/** Sent by POST /v1/webhooks/{id}/test only, to that one endpoint. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** How long the event log keeps events. */
export const EVENT_RETENTION_DAYS = 30;

export const EventResponse = Type.Object({
  id: Type.String({
    examples: ['evt_01jdz6qg0ef8s9cm8y0d7sv9k2'],
    description: 'Also the `webhook-id` header of its deliveries.',
  }),
  type: Type.String({ examples: ['conversation.started'] }),
  created_at: Type.String({ format: 'date-time' }),
  data: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The resource as the REST API returns it, at the time of the event.',
  }),
});

export const ListEventsQuery = Type.Object({
  ...PageQuery.properties,
  type: Type.Optional(
    Type.Enum([...EVENT_TYPES, TEST_EVENT_TYPE], { description: 'Only events of this type.' }),
  ),
  created_after: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Only events after this time: a receiver that was down lists what it missed.',
    }),
  ),
});

export function presentEvent(row: EventRow) {
  return {
    id: encodeId('evt', row.id),
    type: row.type,
    created_at: row.createdAt.toISOString(),
    data: row.data,
  };
}

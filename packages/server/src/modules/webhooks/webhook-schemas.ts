// API schemas of webhooks and their deliveries, and how rows are presented on the wire.
import { Type } from 'typebox';
import type { webhookAttempts, webhookDeliveries, webhooks } from '../../db/schema.ts';
import { PageQuery } from '../../http/pagination.ts';
import { Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import { EVENT_TYPES } from '../events/event-outbox.ts';
import { TEST_EVENT_TYPE } from '../events/event-schemas.ts';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'Where deliveries are POSTed: http or https. Redirects are not followed, and addresses that resolve to loopback or private networks are refused unless the server allows them.',
  examples: ['https://example.com/hooks/parley'],
});
const EventTypes = Type.Array(Type.Enum([...EVENT_TYPES, '*']), {
  minItems: 1,
  maxItems: EVENT_TYPES.length + 1,
  uniqueItems: true,
  description: 'The event types to deliver, or `["*"]` for all of them, including types added later.',
});
const Description = Type.String({ maxLength: 500 });
const IdFormat = Type.Enum(['typeid', 'uuid'], {
  description:
    'How ids are written in the payloads: `typeid` (`conv_…`, as everywhere on /v1) or `uuid`, the bare UUID of each (as InsiteChat shows ids).',
});

export const WebhookResponse = Type.Object({
  id: Type.String({ examples: ['wh_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  id_format: IdFormat,
  enabled: Type.Boolean(),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  disabled_reason: Nullable(
    Type.String({ description: 'Why the endpoint receives nothing: turned off, or failing for too long.' }),
  ),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const WebhookWithSecretResponse = Type.Object({
  ...WebhookResponse.properties,
  secret: Type.String({
    description:
      'The signing secret (whsec_…), to verify the `webhook-signature` header. Shown on creation and rotation only.',
  }),
});

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: EventTypes,
    description: Type.Optional(Description),
    id_format: Type.Optional(IdFormat),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(EventTypes),
    description: Type.Optional(Nullable(Description)),
    id_format: Type.Optional(IdFormat),
    enabled: Type.Optional(
      Type.Boolean({
        description: 'true turns on an endpoint that was turned off or disabled after failures.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const AttemptResponse = Type.Object({
  attempted_at: Timestamp,
  status_code: Nullable(Type.Integer({ description: 'null when no response came.' })),
  duration_ms: Type.Integer(),
  error: Nullable(Type.String()),
  response_body: Nullable(Type.String({ description: 'The first 1 KB of the response body.' })),
});

export const DeliveryResponse = Type.Object({
  id: Type.String({ examples: ['whd_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  webhook_id: Type.String(),
  event_id: Type.String({ description: 'Also the `webhook-id` header, the same on every attempt.' }),
  event_type: Type.String(),
  status: Type.Enum(DELIVERY_STATUSES, {
    description: 'pending: not delivered yet, retried at `next_attempt_at`; failed: given up.',
  }),
  next_attempt_at: Nullable(Timestamp),
  attempts: Type.Array(AttemptResponse, { description: 'Every attempt, oldest first.' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const ListDeliveriesQuery = Type.Object({
  ...PageQuery.properties,
  status: Type.Optional(Type.Enum(DELIVERY_STATUSES)),
  event_type: Type.Optional(Type.Enum([...EVENT_TYPES, TEST_EVENT_TYPE])),
});

export function presentWebhook(row: WebhookRow) {
  return {
    id: encodeId('wh', row.id),
    url: row.url,
    description: row.description,
    events: row.eventTypes,
    id_format: row.idFormat,
    enabled: row.enabled,
    status: row.enabled ? ('active' as const) : ('disabled' as const),
    disabled_reason: row.enabled ? null : row.disabledReason,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function presentAttempt(row: AttemptRow) {
  return {
    attempted_at: row.attemptedAt.toISOString(),
    status_code: row.statusCode,
    duration_ms: row.durationMs,
    error: row.error,
    response_body: row.responseBody,
  };
}

export function presentDelivery(row: DeliveryRow, attempts: AttemptRow[]) {
  return {
    id: encodeId('whd', row.id),
    webhook_id: encodeId('wh', row.webhookId),
    event_id: encodeId('evt', row.eventId),
    event_type: row.eventType,
    status: row.status,
    next_attempt_at: row.nextAttemptAt?.toISOString() ?? null,
    attempts: attempts.map(presentAttempt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

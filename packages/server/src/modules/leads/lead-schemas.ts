// API schemas of leads and how a row is presented on the wire (the same object goes into the
// lead.captured event).
import { Type } from 'typebox';
import type { leads } from '../../db/schema.ts';
import { PageQuery } from '../../http/pagination.ts';
import { Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import { MAX_EMAIL_LENGTH } from './lead-email.ts';

export type LeadRow = typeof leads.$inferSelect;
export type CapturedVia = 'api' | 'widget' | 'chat';

export const MAX_LEAD_FIELDS = 50;

export const MAX_FIELD_NAME = 100;

// One JSON-schema type list rather than a union, so a bad value is reported as
// "must be string,number,boolean" instead of only the first alternative.
const FieldValue = Type.Unsafe<string | number | boolean>({
  type: ['string', 'number', 'boolean'],
  maxLength: 2_000,
});
const Fields = Type.Record(Type.String(), FieldValue, {
  maxProperties: MAX_LEAD_FIELDS,
  description: `Custom fields (at most ${MAX_LEAD_FIELDS}; names of 1 to ${MAX_FIELD_NAME} characters; values are strings of up to 2,000 characters, numbers or booleans). Merged into the lead's fields: a name sent again replaces its value.`,
});

export const LeadResponse = Type.Object({
  id: Type.String({ examples: ['lead_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  chatbot_id: Type.String(),
  conversation_id: Nullable(Type.String({ description: 'The conversation the lead was last captured in.' })),
  email: Type.String({ description: 'Lower-cased; one lead per chatbot and address.' }),
  name: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  fields: Type.Record(Type.String(), Type.Unknown()),
  captured_via: Type.Union([Type.Literal('api'), Type.Literal('widget'), Type.Literal('chat')], {
    description: 'How the lead was first captured.',
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CaptureLeadBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: MAX_EMAIL_LENGTH }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    phone: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    conversation_id: Type.Optional(
      Type.String({
        description: 'A conversation (conv_…) of this chatbot: its customer email and name are set.',
      }),
    ),
    fields: Type.Optional(Fields),
  },
  { additionalProperties: false },
);

export const ListLeadsQuery = Type.Object({
  ...PageQuery.properties,
  chatbot_id: Type.Optional(Type.String({ description: 'Only the leads of this chatbot (bot_…).' })),
  created_after: Type.Optional(
    Type.String({ format: 'date-time', description: 'Only leads first captured after this time.' }),
  ),
});

export function presentLead(row: LeadRow) {
  return {
    id: encodeId('lead', row.id),
    chatbot_id: encodeId('bot', row.chatbotId),
    conversation_id: row.conversationId ? encodeId('conv', row.conversationId) : null,
    email: row.email,
    name: row.name,
    phone: row.phone,
    fields: row.fields,
    captured_via: row.capturedVia as CapturedVia,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

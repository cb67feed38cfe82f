// API schemas of leads and how a row is presented on the wire (the same object goes into the
// lead.captured event).
import { Type } from 'typebox';
import type { leads } from '../../db/schema.ts';
import { PageQuery } from '../../http/pagination.ts';
import { Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import { MAX_EMAIL_LENGTH } from './lead-email.ts';
import { MAX_PHONE_LENGTH } from './lead-phone.ts';

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
  email: Nullable(
    Type.String({
      description:
        'Lower-cased; one lead per chatbot and address. Null for a lead known only by its phone number.',
    }),
  ),
  name: Nullable(Type.String()),
  phone: Nullable(Type.String({ description: 'The phone number as it was given.' })),
  phone_e164: Nullable(
    Type.String({
      description:
        'The phone number in E.164 (+4915112345678): how two spellings of one number are matched. One lead without an email per chatbot and number.',
      examples: ['+4915112345678'],
    }),
  ),
  fields: Type.Record(Type.String(), Type.Unknown()),
  captured_via: Type.Union([Type.Literal('api'), Type.Literal('widget'), Type.Literal('chat')], {
    description: 'How the lead was first captured.',
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const LeadEmail = Type.String({
  format: 'email',
  maxLength: MAX_EMAIL_LENGTH,
  description: "The lead's email address. Send it, `phone`, or both.",
});

export const LeadPhone = Type.String({
  maxLength: MAX_PHONE_LENGTH,
  description:
    "The lead's phone number. Send it, `email`, or both. In international format (`+49 151 12345678`), or in the national format of `country`; a number whose length is not possible for its country is refused.",
});

export const LeadCountry = Type.String({
  minLength: 2,
  maxLength: 2,
  description:
    'ISO 3166-1 alpha-2 code (`DE`, `US`): the country a `phone` without `+` and country code is read in.',
});

export const CaptureLeadBody = Type.Object(
  {
    email: Type.Optional(LeadEmail),
    phone: Type.Optional(LeadPhone),
    country: Type.Optional(LeadCountry),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    conversation_id: Type.Optional(
      Type.String({
        description: 'A conversation (conv_…) of this chatbot: its customer email and name are set.',
      }),
    ),
    fields: Type.Optional(Fields),
  },
  {
    additionalProperties: false,
    description: 'A lead needs an email address or a phone number: `email`, `phone` or both.',
  },
);

export const ListLeadsQuery = Type.Object({
  ...PageQuery.properties,
  chatbot_id: Type.Optional(Type.String({ description: 'Only the leads of this chatbot (bot_…).' })),
  created_after: Type.Optional(
    Type.String({ format: 'date-time', description: 'Only leads first captured after this time.' }),
  ),
});

export const ExportLeadsQuery = Type.Object(
  {
    chatbot_id: ListLeadsQuery.properties.chatbot_id,
    created_after: ListLeadsQuery.properties.created_after,
    format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' })),
  },
  { additionalProperties: false },
);

export function presentLead(row: LeadRow) {
  return {
    id: encodeId('lead', row.id),
    chatbot_id: encodeId('bot', row.chatbotId),
    conversation_id: row.conversationId ? encodeId('conv', row.conversationId) : null,
    email: row.email,
    name: row.name,
    phone: row.phone,
    phone_e164: row.phoneKey,
    fields: row.fields,
    captured_via: row.capturedVia as CapturedVia,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

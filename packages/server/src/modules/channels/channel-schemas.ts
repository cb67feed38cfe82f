// API schemas of messaging channels and their deliveries, and their wire presentation.
import { Type } from 'typebox';
import { Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import type { ChannelRow, DeliveryRow } from './channel-repository.ts';

/** The platforms a channel can be created for: only those that work end to end. */
export const CHANNEL_TYPES = ['telegram'] as const;

const BotToken = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[0-9]+:[A-Za-z0-9_-]+$',
  examples: ['123456789:AAExampleExampleExampleExampleExample'],
  description: "The bot's token from BotFather. Write-only: encrypted at rest, never returned.",
});
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const ChannelResponse = Type.Object({
  id: Type.String({ examples: ['ch_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  chatbot_id: Type.String(),
  type: Type.Enum(CHANNEL_TYPES),
  name: Nullable(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('disconnected'), Type.Literal('disabled')], {
    description:
      '`disconnected`: the platform refused the credentials (see `last_error`); `disabled`: turned off by you.',
  }),
  last_error: Nullable(Type.String()),
  mode: Type.Union([Type.Literal('webhook'), Type.Literal('polling')], {
    description: '`webhook` when PARLEY_PUBLIC_URL is set (the platform calls Parley), `polling` otherwise.',
  }),
  bot_token_set: Type.Boolean(),
  account: Type.Object({
    id: Nullable(Type.String()),
    username: Nullable(Type.String()),
  }),
  last_checked_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CreateChannelBody = Type.Object(
  {
    type: Type.Enum(CHANNEL_TYPES),
    bot_token: BotToken,
    name: Type.Optional(Name),
  },
  { additionalProperties: false },
);

export const UpdateChannelBody = Type.Object(
  {
    name: Type.Optional(Nullable(Name)),
    bot_token: Type.Optional(BotToken),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ChannelTestResponse = Type.Object({
  ok: Type.Boolean(),
  error: Nullable(Type.String()),
});

export const DeliveryResponse = Type.Object({
  id: Type.String({ examples: ['chd_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  channel_id: Type.String(),
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  status: Type.Enum(['pending', 'processed', 'sent', 'ignored', 'failed'] as const, {
    description:
      'inbound: `pending` → `processed` (or `ignored`: nothing to answer); outbound: `pending` → `sent`; `failed` with `error`.',
  }),
  platform_message_id: Nullable(Type.String()),
  conversation_id: Nullable(Type.String()),
  message_id: Nullable(Type.String()),
  attempts: Type.Integer(),
  error: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const TelegramHookParams = Type.Object({ id: Type.String() });
export const TelegramUpdateBody = Type.Object(
  { update_id: Type.Integer({ minimum: 0 }) },
  { additionalProperties: true, description: 'A Telegram Update object.' },
);

export function presentChannel(row: ChannelRow) {
  const account = row.account as { id?: unknown; username?: unknown };
  return {
    id: encodeId('ch', row.id),
    chatbot_id: encodeId('bot', row.chatbotId),
    type: row.type,
    name: row.name,
    status: row.status,
    last_error: row.lastError,
    mode: row.mode,
    bot_token_set: row.botTokenSealed !== null,
    account: {
      id: account.id === undefined ? null : String(account.id),
      username: typeof account.username === 'string' ? account.username : null,
    },
    last_checked_at: row.lastCheckedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function presentDelivery(row: DeliveryRow) {
  return {
    id: encodeId('chd', row.id),
    channel_id: encodeId('ch', row.channelId),
    direction: row.direction,
    status: row.status,
    platform_message_id: row.platformMessageId,
    conversation_id: row.conversationId ? encodeId('conv', row.conversationId) : null,
    message_id: row.messageId ? encodeId('msg', row.messageId) : null,
    attempts: row.attempts,
    error: row.error,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

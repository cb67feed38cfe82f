// InsiteChat's shapes (seeds 000, 001): bare arrays and objects, bare UUIDs, snake_case,
// `{"detail": …}` errors, Python-style timestamps. What the seed leaves open is in docs/compat.md.
import { Type } from 'typebox';
import type { ChatReply, PreparedTurn } from '../../chat/chat-service.ts';
import type { ChatbotRow } from '../../chatbots/chatbot-schemas.ts';
import type { SourceRow } from '../../sources/source-schemas.ts';
import type { WebhookRow } from '../../webhooks/webhook-schemas.ts';
import { humanTurnText, replyText } from '../compat-replies.ts';

const Uuid = Type.String({ format: 'uuid' });
const IsoTimestamp = Type.String({
  description: 'ISO 8601 with microseconds and offset, e.g. 2026-03-15T10:30:00.123456+00:00.',
  examples: ['2026-03-15T10:30:00.123456+00:00'],
});
const Provider = Type.String({
  description:
    'LLM backend: gemini, chatgpt or ollama as InsiteChat names them; also anthropic, openai_compatible, or extractive (offline answers) for Parley bots.',
});

export const ChatbotSummary = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  provider: Provider,
  is_active: Type.Boolean(),
  created_at: IsoTimestamp,
});

export const ChatbotDetail = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  provider: Provider,
  system_prompt: Type.String(),
  fallback_message: Type.String(),
  is_active: Type.Boolean(),
  created_at: IsoTimestamp,
});

export const ChatbotParams = Type.Object({ chatbot_id: Type.String({ maxLength: 100 }) });
export const WebhookParams = Type.Object({ webhook_id: Type.String({ maxLength: 100 }) });

export const ChatBody = Type.Object(
  {
    message: Type.String({ minLength: 1 }),
    conversation_id: Type.Optional(
      Type.Union(
        [
          Type.String({
            minLength: 1,
            maxLength: 100,
            description: 'Continue this conversation (a UUID from an earlier reply).',
          }),
          Type.Null(),
        ],
        { description: 'null or left out: a new conversation.' },
      ),
    ),
  },
  { description: 'Unknown fields are ignored, as InsiteChat does.' },
);

const SourceRef = Type.Object({
  id: Uuid,
  title: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
});

export const ChatResponse = Type.Object({
  reply: Type.Union([Type.String(), Type.Null()], {
    description: 'null when a human has taken the conversation over: the message waits for them.',
  }),
  conversation_id: Uuid,
  message_id: Uuid,
  sources: Type.Array(SourceRef),
  created_at: IsoTimestamp,
});

export const SourceResponse = Type.Object({
  id: Uuid,
  chatbot_id: Uuid,
  type: Type.String({ description: 'website, file, text or qa.' }),
  title: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({ description: 'queued, processing, ready or failed.' }),
  created_at: IsoTimestamp,
});

export const INSITECHAT_EVENTS = [
  'lead.captured',
  'message.received',
  'conversation.started',
  'conversation.escalated',
] as const;

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    events: Type.Array(Type.Enum(INSITECHAT_EVENTS), { minItems: 1, uniqueItems: true }),
  },
  { description: 'Unknown fields are ignored, as InsiteChat does.' },
);

export const WebhookResponse = Type.Object({
  id: Uuid,
  url: Type.String(),
  events: Type.Array(Type.String()),
  is_active: Type.Boolean(),
  created_at: IsoTimestamp,
});

export const CreatedWebhookResponse = Type.Object({
  ...WebhookResponse.properties,
  secret: Type.String({ description: 'Signs every delivery (Standard Webhooks). Shown only here.' }),
});

export const DeletedResponse = Type.Object({ id: Uuid, deleted: Type.Literal(true) });

export const DetailError = Type.Object({ detail: Type.String() });

/** Python's isoformat(): microseconds and a +00:00 offset, as InsiteChat's examples show. */
export function pythonTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** Parley calls OpenAI `openai`; InsiteChat calls it `chatgpt`. */
export function insiteProvider(provider: string): string {
  return provider === 'openai' ? 'chatgpt' : provider;
}

export function presentSummary(row: ChatbotRow, provider: string) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    provider: insiteProvider(provider),
    is_active: row.isActive,
    created_at: pythonTimestamp(row.createdAt),
  };
}

export function presentDetail(row: ChatbotRow, provider: string) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    provider: insiteProvider(provider),
    system_prompt: row.systemPrompt,
    fallback_message: row.fallbackMessage,
    is_active: row.isActive,
    created_at: pythonTimestamp(row.createdAt),
  };
}

export function presentReply(reply: ChatReply) {
  return {
    reply: replyText(reply),
    conversation_id: reply.conversation.id,
    message_id: reply.message.id,
    sources: reply.message.sourcesUsed.map((source) => ({
      id: source.source_id,
      title: source.title,
      url: source.url,
    })),
    created_at: pythonTimestamp(reply.message.createdAt),
  };
}

export function presentHumanTurn(turn: Pick<PreparedTurn, 'conversation' | 'userMessage' | 'escalation'>) {
  return {
    reply: humanTurnText(turn),
    conversation_id: turn.conversation.id,
    message_id: turn.userMessage.id,
    sources: [],
    created_at: pythonTimestamp(turn.userMessage.createdAt),
  };
}

export function presentSource(row: SourceRow) {
  return {
    id: row.id,
    chatbot_id: row.chatbotId,
    // InsiteChat's types: a single page or a sitemap is knowledge from a web site.
    type: row.type === 'url' || row.type === 'sitemap' ? 'website' : row.type,
    title: row.title,
    url: row.config.url ?? null,
    status: row.status,
    created_at: pythonTimestamp(row.createdAt),
  };
}

export function presentWebhook(row: WebhookRow) {
  return {
    id: row.id,
    url: row.url,
    events: row.eventTypes,
    is_active: row.enabled,
    created_at: pythonTimestamp(row.createdAt),
  };
}

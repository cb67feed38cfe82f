// Chatsby's shapes (seed 003): `agent_…` ids (TypeIDs of Parley's chatbot UUIDs, so `agent_X`
// is `bot_X`), conversation, message and source ids as Parley's (`conv_…`, `msg_…`, `src_…`),
// snake_case, cursor pages, and `{error: {type, message, code, param, status}}` errors.
import { Type } from 'typebox';
import type { ChatReply, PreparedTurn } from '../../chat/chat-service.ts';
import type { ChatbotRow } from '../../chatbots/chatbot-schemas.ts';
import type { ConversationRow, MessageRow } from '../../conversations/conversation-schemas.ts';
import { prefixedId } from '../compat-ids.ts';
import { humanTurnText, replyText } from '../compat-replies.ts';

export const AGENT_PREFIX = 'agent';

const Timestamp = Type.String({ format: 'date-time', examples: ['2025-03-15T14:30:00Z'] });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const PageQuery = Type.Object({
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});

export function pageOf<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    has_more: Type.Boolean(),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  });
}

export const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

export const Agent = Type.Object({
  id: Type.String({ examples: ['agent_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  name: Type.String(),
  slug: Type.String(),
  provider: Type.String(),
  system_prompt: Type.String(),
  fallback_message: Type.String(),
  is_active: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const SendMessageBody = Type.Object({
  agent_id: Type.String({ minLength: 1, maxLength: 100 }),
  message: Type.String({ minLength: 1 }),
  conversation_id: Type.Optional(
    Type.Union(
      [
        Type.String({
          minLength: 1,
          maxLength: 100,
          description: 'Continue this conversation; omit to start one.',
        }),
        Type.Null(),
      ],
      { description: 'null or left out: a new conversation.' },
    ),
  ),
});

export const ConversationReply = Type.Object({
  id: Type.String({
    description: 'The conversation (as in the seed’s example, the same as conversation_id).',
  }),
  agent_id: Type.String(),
  reply: Type.Union([Type.String(), Type.Null()], {
    description: 'null when a person has taken the conversation over: the message waits for them.',
  }),
  sources_used: Type.Array(Type.Object({ id: Type.String(), title: Type.String() })),
  conversation_id: Type.String(),
  created_at: Timestamp,
});

export const Conversation = Type.Object({
  id: Type.String(),
  agent_id: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  mode: Type.Union([Type.Literal('ai'), Type.Literal('human')]),
  customer_email: Nullable(Type.String()),
  message_count: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const Message = Type.Object({
  id: Type.String(),
  conversation_id: Type.String(),
  role: Type.String({ description: 'user, assistant, agent (a person) or system.' }),
  content: Type.String(),
  sources_used: Type.Array(Type.Object({ id: Type.String(), title: Type.String() })),
  created_at: Timestamp,
});

/** Chatsby writes timestamps to the second: 2025-03-15T14:30:00Z. */
export function chatsbyTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function agentId(uuid: string): string {
  return prefixedId(AGENT_PREFIX, uuid);
}

export function presentAgent(row: ChatbotRow, provider: string) {
  return {
    id: agentId(row.id),
    name: row.name,
    slug: row.slug,
    provider,
    system_prompt: row.systemPrompt,
    fallback_message: row.fallbackMessage,
    is_active: row.isActive,
    created_at: chatsbyTime(row.createdAt),
    updated_at: chatsbyTime(row.updatedAt),
  };
}

/** One entry per source, in the order the reply cites them. */
function sourcesOf(message: MessageRow) {
  const seen = new Map<string, { id: string; title: string }>();
  for (const source of message.sourcesUsed) {
    const id = prefixedId('src', source.source_id);
    if (!seen.has(id)) seen.set(id, { id, title: source.title });
  }
  return [...seen.values()];
}

export function presentReply(reply: ChatReply) {
  const conversationId = prefixedId('conv', reply.conversation.id);
  return {
    id: conversationId,
    agent_id: agentId(reply.conversation.chatbotId),
    reply: replyText(reply),
    sources_used: sourcesOf(reply.message),
    conversation_id: conversationId,
    created_at: chatsbyTime(reply.message.createdAt),
  };
}

export function presentHumanTurn(turn: Pick<PreparedTurn, 'conversation' | 'userMessage' | 'escalation'>) {
  const conversationId = prefixedId('conv', turn.conversation.id);
  return {
    id: conversationId,
    agent_id: agentId(turn.conversation.chatbotId),
    reply: humanTurnText(turn),
    sources_used: [],
    conversation_id: conversationId,
    created_at: chatsbyTime(turn.userMessage.createdAt),
  };
}

export function presentConversation(row: ConversationRow) {
  return {
    id: prefixedId('conv', row.id),
    agent_id: agentId(row.chatbotId),
    status: row.status,
    mode: row.mode,
    customer_email: row.customerEmail,
    message_count: row.messageCount,
    created_at: chatsbyTime(row.createdAt),
    updated_at: chatsbyTime(row.updatedAt),
  };
}

export function presentMessage(row: MessageRow) {
  return {
    id: prefixedId('msg', row.id),
    conversation_id: prefixedId('conv', row.conversationId),
    role: row.role,
    content: row.content,
    sources_used: sourcesOf(row),
    created_at: chatsbyTime(row.createdAt),
  };
}

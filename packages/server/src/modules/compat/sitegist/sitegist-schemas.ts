// SiteGist's shapes (seed 002): camelCase, lists in `{data: […]}`, `proj_…` chatbot ids and
// `sess_…` session ids (TypeIDs of Parley's chatbot and conversation UUIDs), `{"error": "…"}`.
import { Type } from 'typebox';
import type { ChatbotRow } from '../../chatbots/chatbot-schemas.ts';
import type { ConversationRow } from '../../conversations/conversation-schemas.ts';
import { prefixedId } from '../compat-ids.ts';

export const CHATBOT_PREFIX = 'proj';
export const SESSION_PREFIX = 'sess';

const Timestamp = Type.String({ format: 'date-time', examples: ['2026-06-01T10:00:00.000Z'] });

export const ChatBody = Type.Object({
  chatbotId: Type.String({ minLength: 1, maxLength: 100, description: 'The chatbot (project) id, proj_….' }),
  message: Type.String({ minLength: 1 }),
  sessionId: Type.Optional(
    Type.Union(
      [
        Type.String({
          minLength: 1,
          maxLength: 100,
          description: 'Continue an existing conversation (sess_…); omit to start one.',
        }),
        Type.Null(),
      ],
      { description: 'null or left out: a new conversation.' },
    ),
  ),
});

export const ChatResponse = Type.Object({
  sessionId: Type.String(),
  answer: Type.Union([Type.String(), Type.Null()], {
    description: 'null when a person has taken the conversation over: the message waits for them.',
  }),
});

export const ChatbotItem = Type.Object({
  id: Type.String({ examples: ['proj_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  name: Type.String(),
  status: Type.Union([Type.Literal('ACTIVE'), Type.Literal('INACTIVE')], {
    description: 'ACTIVE, or INACTIVE when the chatbot is paused.',
  }),
  createdAt: Timestamp,
});

export const ConversationsQuery = Type.Object({
  chatbotId: Type.Optional(Type.String({ maxLength: 100 })),
});

export const ConversationItem = Type.Object({
  id: Type.String({ examples: ['sess_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  chatbotId: Type.String(),
  customerEmail: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('active'), Type.Literal('closed')]),
  mode: Type.Union([Type.Literal('ai'), Type.Literal('human')]),
  messageCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const ErrorBody = Type.Object({ error: Type.String() });

export function presentChatbot(row: ChatbotRow) {
  return {
    id: prefixedId(CHATBOT_PREFIX, row.id),
    name: row.name,
    status: row.isActive ? ('ACTIVE' as const) : ('INACTIVE' as const),
    createdAt: row.createdAt.toISOString(),
  };
}

export function presentConversation(row: ConversationRow) {
  return {
    id: prefixedId(SESSION_PREFIX, row.id),
    chatbotId: prefixedId(CHATBOT_PREFIX, row.chatbotId),
    customerEmail: row.customerEmail,
    status: row.status === 'open' ? ('active' as const) : ('closed' as const),
    mode: row.mode,
    messageCount: row.messageCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

// API schemas of the chat endpoints.
import { Type } from 'typebox';
import { encodeId } from '../../lib/ids.ts';
import {
  MessageResponse,
  presentMessage,
  presentSources,
  SourceUsed,
} from '../conversations/conversation-schemas.ts';
import type { ChatReply, PreparedTurn } from './chat-service.ts';

export const ChatBody = Type.Object(
  {
    message: Type.String({
      minLength: 1,
      description: 'What the visitor says. At most PARLEY_MAX_MESSAGE_CHARS characters (default 4,000).',
    }),
    conversation_id: Type.Optional(
      Type.String({ maxLength: 100, description: 'Continue this conversation; omit to start one.' }),
    ),
    stream: Type.Optional(
      Type.Boolean({
        description:
          'true: answer as text/event-stream with events conversation, delta, sources, done (or error).',
      }),
    ),
    visitor: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
    metadata: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), {
        maxProperties: 50,
        description: 'Stored with the visitor message.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Usage = Type.Object({ input_tokens: Type.Integer(), output_tokens: Type.Integer() });

export const ChatResponse = Type.Object({
  conversation_id: Type.String(),
  message_id: Type.String({ description: "The bot's reply." }),
  user_message_id: Type.String({ description: "The visitor's message." }),
  mode: Type.Union([Type.Literal('ai'), Type.Literal('human')], {
    description: 'The conversation’s mode after this turn: human when it was handed over.',
  }),
  reply: Type.String(),
  grounded: Type.Boolean({
    description: 'false: nothing in the knowledge answered; the reply is the fallback.',
  }),
  sources_used: Type.Array(SourceUsed),
  provider: Type.String(),
  model: Type.String(),
  usage: Usage,
  latency_ms: Type.Integer(),
  escalated: Type.Boolean({ description: 'This turn handed the conversation to a human.' }),
  system_message: Type.Union([MessageResponse, Type.Null()], {
    description: 'What the visitor was told at handoff, when this turn handed over.',
  }),
  created_at: Type.String({ format: 'date-time' }),
});

export const HumanModeResponse = Type.Object({
  conversation_id: Type.String(),
  message_id: Type.String({ description: "The visitor's message, stored for the human agent." }),
  reply: Type.Null(),
  mode: Type.Literal('human'),
  escalated: Type.Boolean({
    description: 'This message asked for a human and handed the conversation over.',
  }),
  system_message: Type.Union([MessageResponse, Type.Null()]),
});

export const FeedbackBody = Type.Object(
  {
    rating: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const MessageParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

export function presentReply(reply: ChatReply) {
  const { message } = reply;
  return {
    conversation_id: encodeId('conv', reply.conversation.id),
    message_id: encodeId('msg', message.id),
    user_message_id: encodeId('msg', reply.userMessage.id),
    mode: reply.conversation.mode,
    reply: message.content,
    grounded: message.grounded ?? false,
    sources_used: presentSources(message),
    provider: message.provider ?? 'extractive',
    model: message.model ?? 'extractive',
    usage: { input_tokens: message.inputTokens, output_tokens: message.outputTokens },
    latency_ms: message.latencyMs ?? 0,
    escalated: reply.escalation?.escalated ?? false,
    system_message: reply.escalation?.systemMessage ? presentMessage(reply.escalation.systemMessage) : null,
    created_at: message.createdAt.toISOString(),
  };
}

export function presentHumanTurn(turn: Pick<PreparedTurn, 'conversation' | 'userMessage' | 'escalation'>) {
  return {
    conversation_id: encodeId('conv', turn.conversation.id),
    message_id: encodeId('msg', turn.userMessage.id),
    reply: null,
    mode: 'human' as const,
    escalated: turn.escalation?.escalated ?? false,
    system_message: turn.escalation?.systemMessage ? presentMessage(turn.escalation.systemMessage) : null,
  };
}

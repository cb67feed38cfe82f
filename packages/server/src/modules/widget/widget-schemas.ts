// Schemas of the widget's public API and how rows are shown to a visitor: only what the chat
// panel needs, never internal fields (models, usage, other visitors' data, metadata).
import { Type } from 'typebox';
import { PageQuery } from '../../http/pagination.ts';
import { Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import type { ChatbotRow } from '../chatbots/chatbot-schemas.ts';
import { type ConversationRow, MessageRole, type MessageRow } from '../conversations/conversation-schemas.ts';

export const PublicChatbotParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
export const PublicConversationParams = Type.Object({
  id: Type.String({ maxLength: 100 }),
  conversation_id: Type.String({ maxLength: 100 }),
});

export const Identity = Type.Object(
  {
    user_id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\n]+$' }),
    user_hash: Type.String({ maxLength: 200, description: 'Hex HMAC-SHA256 under the identity secret.' }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const PublicChatBody = Type.Object(
  {
    message: Type.String({ minLength: 1 }),
    conversation_id: Type.Optional(Type.String({ maxLength: 100 })),
    visitor: Type.Optional(
      Type.Object(
        { id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
        { additionalProperties: false },
      ),
    ),
    identity: Type.Optional(Identity),
  },
  { additionalProperties: false },
);

export const PublicLeadBody = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 320, description: 'Send it, `phone`, or both.' })),
    phone: Type.Optional(
      Type.String({
        maxLength: 50,
        description:
          'Send it, `email`, or both. International format (`+49 151 12345678`), or national with `country`.',
      }),
    ),
    country: Type.Optional(
      Type.String({ maxLength: 2, description: 'ISO 3166-1 alpha-2: the country of a `phone` without `+`.' }),
    ),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    conversation_id: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const PublicEscalateBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);

export const PublicFeedbackBody = Type.Object(
  {
    message_id: Type.String({ maxLength: 100 }),
    rating: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const PublicMessagesQuery = PageQuery;
export const PublicEventsQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 2000 })) });

export const WidgetConfigResponse = Type.Object({
  chatbot_id: Type.String(),
  title: Type.String(),
  greeting: Type.String(),
  starter_questions: Type.Array(Type.String()),
  position: Type.Union([Type.Literal('bottom-right'), Type.Literal('bottom-left')]),
  colors: Type.Object({ primary: Type.String(), background: Type.String(), text: Type.String() }),
  lead_form: Type.Boolean({ description: 'Ask for contact details (and a name) before chatting.' }),
  lead_contact: Type.Union([Type.Literal('email'), Type.Literal('phone'), Type.Literal('email_or_phone')], {
    description: 'What the form asks for: an email, a phone number, or either.',
  }),
  handoff: Type.Boolean({ description: 'Offer to talk to a person.' }),
  identity_verification: Type.Boolean(),
});

export const WidgetSource = Type.Object({
  title: Type.String(),
  url: Nullable(Type.String()),
  citation: Type.Integer(),
  page: Nullable(Type.Integer({ description: 'The page of a paged document (PDF) the passage starts on.' })),
});

export const WidgetMessage = Type.Object({
  id: Type.String(),
  role: MessageRole,
  content: Type.String(),
  sources: Type.Array(WidgetSource),
  author_name: Nullable(Type.String()),
  feedback: Nullable(Type.Union([Type.Literal('up'), Type.Literal('down')])),
  created_at: Timestamp,
});

export const WidgetConversation = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  mode: Type.Union([Type.Literal('ai'), Type.Literal('human')]),
  verified: Type.Boolean(),
  rated: Type.Boolean({
    description: 'Whether the visitor has rated the conversation (asked once it is resolved).',
  }),
});

export const WidgetMessagesResponse = Type.Object({
  conversation: WidgetConversation,
  data: Type.Array(WidgetMessage),
  has_more: Type.Boolean(),
  next_cursor: Nullable(Type.String()),
});

export const CapturedResponse = Type.Object({ captured: Type.Literal(true) });
export const EscalatedResponse = Type.Object({ conversation: WidgetConversation });

export const PublicRatingBody = Type.Object(
  {
    rating: Type.Integer({ minimum: 1, maximum: 5, description: '1 (very unhappy) to 5 (very happy).' }),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const PublicTypingBody = Type.Object(
  { typing: Type.Optional(Type.Boolean({ description: 'false when the visitor stopped or sent.' })) },
  { additionalProperties: false },
);
export const PublicTypingResponse = Type.Object({
  typing: Type.Boolean(),
  expires_in: Type.Integer({ description: 'Seconds the indicator shows unless signalled again.' }),
});

export const RatedResponse = Type.Object({ rated: Type.Literal(true), rating: Type.Integer() });
export const FeedbackResponse = Type.Object({ message: WidgetMessage });

export function presentWidgetConfig(bot: ChatbotRow) {
  const widget = bot.widgetSettings;
  return {
    chatbot_id: encodeId('bot', bot.id),
    title: widget.title,
    greeting: widget.greeting,
    starter_questions: widget.starter_questions,
    position: widget.position,
    colors: widget.colors,
    lead_form: bot.leadSettings.ask_in_widget,
    lead_contact: bot.leadSettings.widget_contact,
    handoff: bot.handoffSettings.enabled,
    identity_verification: bot.identitySecret !== null,
  };
}

export function presentWidgetMessage(row: MessageRow) {
  return {
    id: encodeId('msg', row.id),
    role: row.role,
    content: row.content,
    sources: row.sourcesUsed.map((source) => ({
      title: source.title,
      url: source.url,
      citation: source.citation,
      page: source.page ?? null,
    })),
    author_name: row.authorName,
    feedback: row.feedbackRating ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

export function presentWidgetConversation(row: ConversationRow) {
  return {
    id: encodeId('conv', row.id),
    status: row.status,
    mode: row.mode,
    verified: row.verified,
    rated: row.csatRating !== null,
  };
}

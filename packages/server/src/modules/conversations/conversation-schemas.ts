// API schemas of conversations and messages, and how rows are presented on the wire (the same
// objects go into webhook events).
import { Type } from 'typebox';
import type { conversations, messages } from '../../db/schema.ts';
import { NOT_BLANK, Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;

export const SourceUsed = Type.Object({
  id: Type.String({ description: 'The source (src_…) the passage comes from.' }),
  chunk_id: Type.String(),
  document_id: Type.String(),
  title: Type.String(),
  url: Nullable(Type.String()),
  snippet: Type.String(),
  citation: Type.Integer({ description: 'The [n] marker the reply uses for this passage.' }),
  page: Nullable(
    Type.Integer({
      minimum: 1,
      description:
        'The page of the document the passage starts on, for paged documents (PDF); null otherwise.',
    }),
  ),
});

export const MessageRole = Type.Union([
  Type.Literal('user'),
  Type.Literal('assistant'),
  Type.Literal('agent'),
  Type.Literal('system'),
]);

export const ConversationResponse = Type.Object({
  id: Type.String({ examples: ['conv_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  chatbot_id: Type.String(),
  channel: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  mode: Type.Union([Type.Literal('ai'), Type.Literal('human')]),
  customer_email: Nullable(Type.String()),
  customer_name: Nullable(Type.String()),
  visitor_id: Nullable(Type.String()),
  verified: Type.Boolean({
    description: "true: the visitor's identity was signed by the site (identity verification).",
  }),
  assignee: Nullable(Type.String()),
  assignee_id: Nullable(
    Type.String({ description: 'The person (usr_…) the conversation is assigned to; null: in the queue.' }),
  ),
  inbox_status: Type.Union(
    [Type.Literal('open'), Type.Literal('pending'), Type.Literal('snoozed'), Type.Literal('resolved')],
    {
      description:
        'The team inbox’s view of status and mode: resolved = closed; snoozed = open and snoozed_until is ahead; pending = open with the bot (mode ai); open = open with people (mode human).',
    },
  ),
  snoozed_until: Nullable(Timestamp),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  message_count: Type.Integer(),
  last_message_at: Timestamp,
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const MessageResponse = Type.Object({
  id: Type.String({ examples: ['msg_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  conversation_id: Type.String(),
  chatbot_id: Type.String(),
  role: MessageRole,
  content: Type.String(),
  status: Type.Union([Type.Literal('complete'), Type.Literal('failed')]),
  grounded: Nullable(Type.Boolean()),
  sources_used: Type.Array(SourceUsed),
  provider: Nullable(Type.String()),
  model: Nullable(Type.String()),
  usage: Type.Object({ input_tokens: Type.Integer(), output_tokens: Type.Integer() }),
  latency_ms: Nullable(Type.Integer()),
  author_name: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  feedback: Nullable(
    Type.Object({
      rating: Type.Union([Type.Literal('up'), Type.Literal('down')]),
      comment: Nullable(Type.String()),
      created_at: Timestamp,
    }),
  ),
  created_at: Timestamp,
});

export type InboxStatus = 'open' | 'pending' | 'snoozed' | 'resolved';

/** The team inbox's status, from the stored status, mode and snooze time (docs/inbox.md). */
export function inboxStatusOf(
  row: Pick<ConversationRow, 'status' | 'mode' | 'snoozedUntil'>,
  now = new Date(),
): InboxStatus {
  if (row.status === 'closed') return 'resolved';
  if (row.snoozedUntil && row.snoozedUntil > now) return 'snoozed';
  return row.mode === 'ai' ? 'pending' : 'open';
}

export function presentConversation(row: ConversationRow) {
  return {
    id: encodeId('conv', row.id),
    chatbot_id: encodeId('bot', row.chatbotId),
    channel: row.channel,
    status: row.status,
    mode: row.mode,
    customer_email: row.customerEmail,
    customer_name: row.customerName,
    visitor_id: row.visitorId,
    verified: row.verified,
    assignee: row.assignee,
    assignee_id: row.assigneeId ? encodeId('usr', row.assigneeId) : null,
    inbox_status: inboxStatusOf(row),
    snoozed_until: row.snoozedUntil?.toISOString() ?? null,
    metadata: row.metadata,
    message_count: row.messageCount,
    last_message_at: row.lastMessageAt.toISOString(),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function presentSources(row: Pick<MessageRow, 'sourcesUsed'>) {
  return row.sourcesUsed.map((source) => ({
    id: encodeId('src', source.source_id),
    chunk_id: encodeId('chunk', source.chunk_id),
    document_id: encodeId('doc', source.document_id),
    title: source.title,
    url: source.url,
    snippet: source.snippet,
    citation: source.citation,
    page: source.page ?? null,
  }));
}

export function presentMessage(row: MessageRow) {
  return {
    id: encodeId('msg', row.id),
    conversation_id: encodeId('conv', row.conversationId),
    chatbot_id: encodeId('bot', row.chatbotId),
    role: row.role,
    content: row.content,
    status: row.status,
    grounded: row.grounded,
    sources_used: presentSources(row),
    provider: row.provider,
    model: row.model,
    usage: { input_tokens: row.inputTokens, output_tokens: row.outputTokens },
    latency_ms: row.latencyMs,
    author_name: row.authorName,
    metadata: row.metadata,
    feedback:
      row.feedbackRating && row.feedbackAt
        ? {
            rating: row.feedbackRating,
            comment: row.feedbackComment,
            created_at: row.feedbackAt.toISOString(),
          }
        : null,
    created_at: row.createdAt.toISOString(),
  };
}

export const ConversationFilterQuery = {
  chatbot_id: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])),
  mode: Type.Optional(Type.Union([Type.Literal('ai'), Type.Literal('human')])),
  channel: Type.Optional(Type.String({ maxLength: 50 })),
  email: Type.Optional(Type.String({ maxLength: 320 })),
  updated_after: Type.Optional(Type.String({ format: 'date-time' })),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Text one of its messages contains.' }),
  ),
  assignee_id: Type.Optional(
    Type.String({ maxLength: 100, description: 'Assigned to this person (usr_…), or `none`: in the queue.' }),
  ),
  label_id: Type.Optional(Type.String({ maxLength: 100, description: 'Carries this label (lbl_…).' })),
  inbox_status: Type.Optional(
    Type.Union([
      Type.Literal('open'),
      Type.Literal('pending'),
      Type.Literal('snoozed'),
      Type.Literal('resolved'),
    ]),
  ),
};

export const AssignBody = Type.Object(
  {
    user_id: Nullable(
      Type.String({ description: 'The person (usr_…) to assign it to; null puts it back in the queue.' }),
    ),
  },
  { additionalProperties: false },
);

export const ListConversationsQuery = Type.Object(
  {
    ...ConversationFilterQuery,
    order: Type.Optional(
      Type.Union([Type.Literal('activity'), Type.Literal('created')], {
        default: 'activity',
        description:
          '`activity`: newest message first, the inbox’s order (a conversation that gets a message moves up, so a walk through the pages can miss it); `created`: newest created first, stable while messages arrive.',
      }),
    ),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const ExportQuery = Type.Object(
  {
    ...ConversationFilterQuery,
    format: Type.Optional(Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' })),
  },
  { additionalProperties: false },
);

export const UpdateConversationBody = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])),
    mode: Type.Optional(Type.Union([Type.Literal('ai'), Type.Literal('human')])),
    assignee: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    inbox_status: Type.Optional(
      Type.Union(
        [Type.Literal('open'), Type.Literal('pending'), Type.Literal('snoozed'), Type.Literal('resolved')],
        {
          description:
            'Sets status and mode the inbox’s way: open (with people), pending (back to the bot), snoozed (needs snoozed_until), resolved (closed). Not with status or mode.',
        },
      ),
    ),
    snoozed_until: Type.Optional(
      Nullable(
        Type.String({
          format: 'date-time',
          description: 'Snoozed until then; a visitor’s message wakes it.',
        }),
      ),
    ),
    metadata: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 50 }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AgentMessageBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: 10_000, pattern: NOT_BLANK }),
    author_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: NOT_BLANK,
        description:
          'The name the visitor sees, for a message sent with an API key. A signed-in person’s message is signed with their own name (or email).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EscalateBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);

export const EscalationResponse = Type.Object({
  conversation: ConversationResponse,
  escalated: Type.Boolean({ description: 'false: it was already with a human; nothing changed.' }),
  system_message: Nullable(MessageResponse),
});

export const ConversationParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

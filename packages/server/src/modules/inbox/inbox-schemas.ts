// API schemas of labels, private notes, canned replies and inbox counts, and how rows are
// presented on the wire.
import { Type } from 'typebox';
import { NOT_BLANK, Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import type { UserRow } from '../users/user-repository.ts';
import type { CannedReplyRow, InboxCountRows, LabelRow, NoteRow } from './inbox-repository.ts';

const Color = Type.String({
  pattern: '^#[0-9a-fA-F]{6}$',
  description: 'A colour as #rrggbb.',
  examples: ['#1f8a70'],
});
const LabelName = Type.String({ minLength: 1, maxLength: 50, pattern: NOT_BLANK });

export const LabelResponse = Type.Object({
  id: Type.String({ examples: ['lbl_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  name: Type.String(),
  color: Type.String(),
  description: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function presentLabel(row: LabelRow) {
  return {
    id: encodeId('lbl', row.id),
    name: row.name,
    color: row.color,
    description: row.description,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const CreateLabelBody = Type.Object(
  { name: LabelName, color: Color, description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))) },
  { additionalProperties: false },
);

export const UpdateLabelBody = Type.Object(
  {
    name: Type.Optional(LabelName),
    color: Type.Optional(Color),
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const SetLabelsBody = Type.Object(
  {
    label_ids: Type.Array(Type.String({ maxLength: 100 }), {
      maxItems: 50,
      description: 'Exactly the labels (lbl_…) the conversation carries from now on.',
    }),
  },
  { additionalProperties: false },
);

export const LabelListResponse = Type.Object({ data: Type.Array(LabelResponse) });

export const NoteResponse = Type.Object({
  id: Type.String({ examples: ['note_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  conversation_id: Type.String(),
  author_id: Nullable(Type.String({ description: 'The person who wrote it; null for an API key.' })),
  author_name: Nullable(Type.String()),
  content: Type.String(),
  mentions: Type.Array(Type.String({ description: 'People (usr_…) mentioned with @address.' })),
  created_at: Timestamp,
});

export function presentNote(row: NoteRow) {
  return {
    id: encodeId('note', row.id),
    conversation_id: encodeId('conv', row.conversationId),
    author_id: row.authorId ? encodeId('usr', row.authorId) : null,
    author_name: row.authorName,
    content: row.content,
    mentions: row.mentionedUserIds.map((id) => encodeId('usr', id)),
    created_at: row.createdAt.toISOString(),
  };
}

export const NoteBody = Type.Object(
  {
    content: Type.String({
      minLength: 1,
      maxLength: 10_000,
      pattern: NOT_BLANK,
      description: 'Mention someone with @their-address.',
    }),
    author_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: NOT_BLANK,
        description: 'For API keys; a session writes as its person.',
      }),
    ),
  },
  { additionalProperties: false },
);

export function mentionedPeople(people: UserRow[]) {
  return people.map((person) => ({ id: encodeId('usr', person.id), email: person.email, name: person.name }));
}

const Shortcut = Type.String({
  minLength: 1,
  maxLength: 50,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'What an agent types after / to pick it: letters, digits, - and _. Stored lower-case.',
});
const Template = Type.String({
  minLength: 1,
  maxLength: 10_000,
  pattern: NOT_BLANK,
  description:
    'The text, with variables filled in on the server: {{visitor.name}}, {{visitor.first_name}}, {{visitor.email}}, {{agent.name}}, {{agent.email}}, {{conversation.id}}; a fallback after a bar: {{visitor.name | there}}.',
});

export const CannedReplyResponse = Type.Object({
  id: Type.String({ examples: ['cr_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  shortcut: Type.String(),
  content: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function presentCannedReply(row: CannedReplyRow) {
  return {
    id: encodeId('cr', row.id),
    shortcut: row.shortcut,
    content: row.content,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const CreateCannedReplyBody = Type.Object(
  { shortcut: Shortcut, content: Template },
  { additionalProperties: false },
);
export const UpdateCannedReplyBody = Type.Object(
  { shortcut: Type.Optional(Shortcut), content: Type.Optional(Template) },
  { additionalProperties: false, minProperties: 1 },
);
export const ListCannedRepliesQuery = Type.Object(
  {
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    shortcut: Type.Optional(
      Type.String({ maxLength: 50, description: 'Only those whose shortcut starts with this.' }),
    ),
  },
  { additionalProperties: false },
);
export const RenderBody = Type.Object(
  { conversation_id: Type.String({ maxLength: 100 }) },
  { additionalProperties: false },
);
export const RenderedResponse = Type.Object({ content: Type.String() });

export const InboxCountsResponse = Type.Object({
  by_status: Type.Object({
    open: Type.Integer(),
    pending: Type.Integer(),
    snoozed: Type.Integer(),
    resolved: Type.Integer(),
  }),
  by_assignee: Type.Array(
    Type.Object({
      user_id: Nullable(Type.String({ description: 'null: in the queue.' })),
      count: Type.Integer(),
    }),
  ),
  by_label: Type.Array(Type.Object({ label_id: Type.String(), count: Type.Integer() })),
  by_chatbot: Type.Array(Type.Object({ chatbot_id: Type.String(), count: Type.Integer() })),
});

/** Counts of conversations not resolved, but by_status which counts every conversation. */
export function presentCounts(rows: InboxCountRows) {
  return {
    by_status: rows.byStatus,
    by_assignee: rows.byAssignee.map((row) => ({
      user_id: row.key ? encodeId('usr', row.key) : null,
      count: row.count,
    })),
    by_label: rows.byLabel.map((row) => ({ label_id: encodeId('lbl', row.key), count: row.count })),
    by_chatbot: rows.byChatbot.map((row) => ({ chatbot_id: encodeId('bot', row.key), count: row.count })),
  };
}

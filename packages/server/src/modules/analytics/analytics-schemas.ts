// The analytics overview's query and answer.
import { Type } from 'typebox';
import { Nullable } from '../../http/schemas.ts';

export const DEFAULT_DAYS = 30;
export const MAX_DAYS = 366;
export const TOP_SOURCES = 10;
export const UNANSWERED = 20;

export const OverviewQuery = Type.Object(
  {
    chatbot_id: Type.Optional(Type.String({ maxLength: 100 })),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: `Default: ${DEFAULT_DAYS} days before 'to'.` }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: the end of today (UTC).' })),
  },
  { additionalProperties: false },
);

export const Counts = {
  conversations: Type.Integer({ description: 'Conversations started.' }),
  visitor_messages: Type.Integer(),
  answers: Type.Integer({ description: "The bot's replies." }),
  grounded: Type.Integer({ description: 'Answers quoting the knowledge.' }),
  fallback: Type.Integer({ description: 'Answers with the fallback message: nothing relevant was found.' }),
  thumbs_up: Type.Integer(),
  thumbs_down: Type.Integer(),
  escalations: Type.Integer({ description: 'Handoffs to people (from the event log, which keeps 30 days).' }),
};

export const OverviewResponse = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  days: Type.Array(Type.Object({ date: Type.String({ examples: ['2026-12-01'] }), ...Counts }), {
    description: 'Every UTC day of the period, oldest first, days without activity included.',
  }),
  totals: Type.Object(Counts),
  top_sources: Type.Array(
    Type.Object({ title: Type.String(), url: Nullable(Type.String()), citations: Type.Integer() }),
    { description: `The ${TOP_SOURCES} sources the answers cited most.` },
  ),
  unanswered: Type.Array(
    Type.Object({
      question: Type.String(),
      count: Type.Integer({ description: 'How often it was asked (same wording, any case).' }),
      last_asked_at: Type.String({ format: 'date-time' }),
    }),
    { description: `The ${UNANSWERED} questions most often answered with the fallback.` },
  ),
});

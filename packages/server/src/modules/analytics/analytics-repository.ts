// SQL for the analytics overview: per-day counts of a period (UTC days), the most cited
// sources and the questions answered with the fallback, all computed in the database over the
// whole period (the console no longer reads conversations one by one).
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { conversations, events, messages } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';

export interface AnalyticsFilter {
  from: Date;
  to: Date;
  chatbotId?: string;
  /** The chatbot's wire id (bot_…), as escalation events carry it. */
  chatbotWireId?: string;
}

export interface DayRow {
  day: string;
  visitorMessages: number;
  answers: number;
  grounded: number;
  fallback: number;
  thumbsUp: number;
  thumbsDown: number;
}

const day = (column: unknown) => sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;

function messageWhere(scope: Scope, filter: AnalyticsFilter) {
  return and(
    inScope(messages, scope),
    gte(messages.createdAt, filter.from),
    lt(messages.createdAt, filter.to),
    filter.chatbotId ? eq(messages.chatbotId, filter.chatbotId) : undefined,
  );
}

export async function messagesPerDay(db: Executor, scope: Scope, filter: AnalyticsFilter): Promise<DayRow[]> {
  const d = day(messages.createdAt);
  return db
    .select({
      day: d,
      visitorMessages: sql<number>`count(*) FILTER (WHERE ${messages.role} = 'user')::int`,
      answers: sql<number>`count(*) FILTER (WHERE ${messages.role} = 'assistant' AND ${messages.status} = 'complete')::int`,
      grounded: sql<number>`count(*) FILTER (WHERE ${messages.role} = 'assistant' AND ${messages.grounded} IS TRUE)::int`,
      fallback: sql<number>`count(*) FILTER (WHERE ${messages.role} = 'assistant' AND ${messages.grounded} IS FALSE)::int`,
      thumbsUp: sql<number>`count(*) FILTER (WHERE ${messages.feedbackRating} = 'up')::int`,
      thumbsDown: sql<number>`count(*) FILTER (WHERE ${messages.feedbackRating} = 'down')::int`,
    })
    .from(messages)
    .where(messageWhere(scope, filter))
    .groupBy(d)
    .orderBy(d);
}

export async function conversationsPerDay(
  db: Executor,
  scope: Scope,
  filter: AnalyticsFilter,
): Promise<{ day: string; count: number }[]> {
  const d = day(conversations.createdAt);
  return db
    .select({ day: d, count: sql<number>`count(*)::int` })
    .from(conversations)
    .where(
      and(
        inScope(conversations, scope),
        gte(conversations.createdAt, filter.from),
        lt(conversations.createdAt, filter.to),
        filter.chatbotId ? eq(conversations.chatbotId, filter.chatbotId) : undefined,
      ),
    )
    .groupBy(d);
}

/** Handoffs to people, from the event log (which keeps 30 days). */
export async function escalationsPerDay(
  db: Executor,
  scope: Scope,
  filter: AnalyticsFilter,
): Promise<{ day: string; count: number }[]> {
  const d = day(events.createdAt);
  return db
    .select({ day: d, count: sql<number>`count(*)::int` })
    .from(events)
    .where(
      and(
        inScope(events, scope),
        eq(events.type, 'conversation.escalated'),
        gte(events.createdAt, filter.from),
        lt(events.createdAt, filter.to),
        filter.chatbotWireId ? sql`${events.data}->>'chatbot_id' = ${filter.chatbotWireId}` : undefined,
      ),
    )
    .groupBy(d);
}

export async function topSources(
  db: Executor,
  scope: Scope,
  filter: AnalyticsFilter,
  limit: number,
): Promise<{ title: string; url: string | null; citations: number }[]> {
  const result = await db.execute(sql`
    SELECT s->>'title' AS title, s->>'url' AS url, count(*)::int AS citations
    FROM ${messages}, jsonb_array_elements(${messages.sourcesUsed}) AS s
    WHERE ${messageWhere(scope, filter)} AND ${messages.role} = 'assistant'
    GROUP BY 1, 2
    ORDER BY 3 DESC, 1
    LIMIT ${limit}`);
  return (result as unknown as { rows: { title: string; url: string | null; citations: number }[] }).rows;
}

/** The visitor's question before each fallback answer, the same wording counted together. */
export async function unansweredQuestions(
  db: Executor,
  scope: Scope,
  filter: AnalyticsFilter,
  limit: number,
): Promise<{ question: string; count: number; last_asked_at: string }[]> {
  const result = await db.execute(sql`
    SELECT min(q.content) AS question, count(*)::int AS count, max(q.created_at) AS last_asked_at
    FROM ${messages}
    CROSS JOIN LATERAL (
      SELECT u.content, u.created_at FROM ${messages} u
      WHERE u.conversation_id = ${messages.conversationId} AND u.role = 'user' AND u.id < ${messages.id}
      ORDER BY u.id DESC LIMIT 1
    ) q
    WHERE ${messageWhere(scope, filter)} AND ${messages.role} = 'assistant' AND ${messages.grounded} IS FALSE
    GROUP BY lower(btrim(q.content))
    ORDER BY 2 DESC, 3 DESC
    LIMIT ${limit}`);
  const rows = (
    result as unknown as { rows: { question: string; count: number; last_asked_at: string | Date }[] }
  ).rows;
  return rows.map((row) => ({
    ...row,
    last_asked_at: new Date(row.last_asked_at).toISOString(),
  }));
}

// The analytics overview: the database counts per UTC day over the whole period; every day of
// the period is listed (empty ones too), with the totals beside.
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId } from '../../lib/ids.ts';
import * as repo from './analytics-repository.ts';
import { type Counts, DEFAULT_DAYS, MAX_DAYS, TOP_SOURCES, UNANSWERED } from './analytics-schemas.ts';

const DAY_MS = 86_400_000;

type DayCounts = { [K in keyof typeof Counts]: number };
const empty = (): DayCounts => ({
  conversations: 0,
  visitor_messages: 0,
  answers: 0,
  grounded: 0,
  fallback: 0,
  thumbs_up: 0,
  thumbs_down: 0,
  escalations: 0,
});

function period(query: { from?: string; to?: string }): { from: Date; to: Date } {
  // By default whole UTC days up to the end of today: the same period all day long.
  const now = new Date();
  const to = query.to
    ? new Date(query.to)
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS);
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_DAYS * DAY_MS);
  if (from >= to) throw AppError.invalid('invalid_period', "'from' must be before 'to'.", 'from');
  if (to.getTime() - from.getTime() > MAX_DAYS * DAY_MS) {
    throw AppError.invalid('invalid_period', `A period is at most ${MAX_DAYS} days.`, 'from');
  }
  return { from, to };
}

export function createAnalyticsService(deps: { db: Database }) {
  return {
    async overview(scope: Scope, query: { chatbot_id?: string; from?: string; to?: string }) {
      const { from, to } = period(query);
      const wire = query.chatbot_id;
      const filter: repo.AnalyticsFilter = {
        from,
        to,
        ...(wire ? { chatbotId: decodeId('bot', wire, 'chatbot_id'), chatbotWireId: wire } : {}),
      };
      const db = deps.db.orm;
      const [messageDays, conversationDays, escalationDays, sources, unanswered] = await Promise.all([
        repo.messagesPerDay(db, scope, filter),
        repo.conversationsPerDay(db, scope, filter),
        repo.escalationsPerDay(db, scope, filter),
        repo.topSources(db, scope, filter, TOP_SOURCES),
        repo.unansweredQuestions(db, scope, filter, UNANSWERED),
      ]);
      const byDay = new Map<string, DayCounts>();
      for (
        let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
        t < to.getTime();
        t += DAY_MS
      )
        byDay.set(new Date(t).toISOString().slice(0, 10), empty());
      const at = (date: string) => byDay.get(date) ?? byDay.set(date, empty()).get(date)!;
      for (const row of messageDays) {
        Object.assign(at(row.day), {
          visitor_messages: row.visitorMessages,
          answers: row.answers,
          grounded: row.grounded,
          fallback: row.fallback,
          thumbs_up: row.thumbsUp,
          thumbs_down: row.thumbsDown,
        });
      }
      for (const row of conversationDays) at(row.day).conversations = row.count;
      for (const row of escalationDays) at(row.day).escalations = row.count;
      const days = [...byDay.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([date, counts]) => ({ date, ...counts }));
      const totals = empty();
      for (const d of days)
        for (const key of Object.keys(totals) as (keyof DayCounts)[]) totals[key] += d[key];
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        days,
        totals,
        top_sources: sources,
        unanswered,
      };
    },
  };
}

// SQL for satisfaction ratings: how resolved conversations were rated, over a period.
import { and, eq, gte, isNotNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { conversations } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';

export interface CsatFilter {
  chatbotId?: string;
  from?: Date;
  to?: Date;
}

export interface CsatRows {
  distribution: { rating: number; count: number }[];
  byAssignee: { assigneeId: string | null; count: number; average: number }[];
}

export async function csatSummary(db: Executor, scope: Scope, filter: CsatFilter): Promise<CsatRows> {
  const where = and(
    inScope(conversations, scope),
    isNotNull(conversations.csatRating),
    filter.chatbotId ? eq(conversations.chatbotId, filter.chatbotId) : undefined,
    filter.from ? gte(conversations.csatAt, filter.from) : undefined,
    filter.to ? lt(conversations.csatAt, filter.to) : undefined,
  );
  const distribution = await db
    .select({ rating: sql<number>`${conversations.csatRating}`, count: sql<number>`count(*)::int` })
    .from(conversations)
    .where(where)
    .groupBy(conversations.csatRating);
  const byAssignee = await db
    .select({
      assigneeId: conversations.assigneeId,
      count: sql<number>`count(*)::int`,
      average: sql<number>`avg(${conversations.csatRating})::float8`,
    })
    .from(conversations)
    .where(where)
    .groupBy(conversations.assigneeId);
  return { distribution, byAssignee };
}

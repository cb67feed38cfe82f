// GET /v1/analytics/overview: what the bot did over a period, computed by the database over
// every conversation of the period: messages and answers per day, grounded against fallback,
// thumbs up and down, escalations, the most cited sources and the questions it could not answer.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/client.ts';
import { scopeOf } from '../../http/auth.ts';
import { OverviewQuery, OverviewResponse } from './analytics-schemas.ts';
import { createAnalyticsService } from './analytics-service.ts';

export function analyticsRoutes(deps: { db: Database }) {
  const analytics = createAnalyticsService(deps);
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/analytics/overview',
      {
        schema: {
          operationId: 'getAnalyticsOverview',
          tags: ['Analytics'],
          description:
            "What the chatbots did over a period (default: the last 30 days, today included), per UTC day and in total: conversations, visitors' messages, answers grounded or fallback, thumbs up and down, escalations; the most cited sources; the questions answered with the fallback.",
          querystring: OverviewQuery,
          response: { 200: OverviewResponse },
        },
      },
      async (request) => analytics.overview(scopeOf(request), request.query),
    );
  };
}

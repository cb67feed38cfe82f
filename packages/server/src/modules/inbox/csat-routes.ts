// GET /v1/analytics/csat: how visitors rated resolved conversations (the widget asks them).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { allow } from '../../http/access.ts';
import { scopeOf } from '../../http/auth.ts';
import { Nullable } from '../../http/schemas.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, encodeId } from '../../lib/ids.ts';
import type { CsatRows } from './csat-repository.ts';
import type { InboxService } from './inbox-service.ts';

const CsatQuery = Type.Object(
  {
    chatbot_id: Type.Optional(Type.String({ maxLength: 100 })),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Ratings given at or after this time.' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Ratings given before this time.' })),
  },
  { additionalProperties: false },
);

const CsatResponse = Type.Object({
  responses: Type.Integer({ description: 'How many conversations were rated.' }),
  average: Nullable(Type.Number({ description: 'The mean rating, 1 to 5; null with no ratings.' })),
  satisfaction: Nullable(
    Type.Number({ description: 'The share of ratings of 4 or 5, from 0 to 1 (the usual CSAT score).' }),
  ),
  distribution: Type.Object({
    '1': Type.Integer(),
    '2': Type.Integer(),
    '3': Type.Integer(),
    '4': Type.Integer(),
    '5': Type.Integer(),
  }),
  by_assignee: Type.Array(
    Type.Object({ user_id: Nullable(Type.String()), responses: Type.Integer(), average: Type.Number() }),
  ),
});

function presentCsat(rows: CsatRows) {
  const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const row of rows.distribution)
    distribution[String(row.rating) as keyof typeof distribution] = row.count;
  const responses = Object.values(distribution).reduce((sum, count) => sum + count, 0);
  const total = Object.entries(distribution).reduce(
    (sum, [rating, count]) => sum + Number(rating) * count,
    0,
  );
  return {
    responses,
    average: responses ? Math.round((total / responses) * 100) / 100 : null,
    satisfaction: responses
      ? Math.round(((distribution['4'] + distribution['5']) / responses) * 1000) / 1000
      : null,
    distribution,
    by_assignee: rows.byAssignee.map((row) => ({
      user_id: row.assigneeId ? encodeId('usr', row.assigneeId) : null,
      responses: row.count,
      average: Math.round(row.average * 100) / 100,
    })),
  };
}

export function csatRoutes(deps: { inbox: InboxService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/analytics/csat',
      {
        schema: {
          operationId: 'getCsat',
          tags: ['Analytics'],
          description:
            'Satisfaction: how visitors rated resolved conversations (1–5), overall, as a distribution and per assignee.',
          querystring: CsatQuery,
          response: { 200: CsatResponse },
          ...allow('agent'),
        },
      },
      async (request) => {
        const { chatbot_id, from, to } = request.query;
        if (from && to && new Date(from) >= new Date(to)) {
          throw AppError.invalid('invalid_period', "'from' must be before 'to'.", 'from');
        }
        return presentCsat(
          await deps.inbox.csat(scopeOf(request), {
            ...(chatbot_id ? { chatbotId: decodeId('bot', chatbot_id, 'chatbot_id') } : {}),
            ...(from ? { from: new Date(from) } : {}),
            ...(to ? { to: new Date(to) } : {}),
          }),
        );
      },
    );
  };
}

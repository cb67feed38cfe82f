// GET /v1/usage: the workspace's message quota for the current month.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../../http/auth.ts';
import type { UsageService } from './usage-service.ts';

const NullableInt = Type.Union([Type.Integer(), Type.Null()]);

export const UsageResponse = Type.Object({
  environment: Type.Union([Type.Literal('live'), Type.Literal('test')]),
  plan: Type.String(),
  period_start: Type.String({ format: 'date-time' }),
  period_end: Type.String({ format: 'date-time', description: 'When the count starts again.' }),
  messages: Type.Object({
    used: Type.Integer({ description: 'Chat replies this month (live environment only).' }),
    limit: Type.Union([Type.Integer(), Type.Null()], { description: 'null: unlimited.' }),
    remaining: NullableInt,
  }),
  test_mode_counts: Type.Boolean({ description: 'Always false: test-mode chats never count.' }),
});

export function usageRoutes(deps: { usage: UsageService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/usage',
      {
        schema: {
          operationId: 'getUsage',
          tags: ['Usage'],
          description:
            "The workspace's chat messages this calendar month (UTC) against its plan's monthly quota.",
          response: { 200: UsageResponse },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const usage = await deps.usage.current(principal.workspaceId, principal.limits.messages_per_month);
        return {
          environment: principal.environment,
          plan: principal.workspace.plan,
          ...usage,
          test_mode_counts: false,
        };
      },
    );
  };
}

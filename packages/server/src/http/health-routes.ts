// Liveness and readiness, for process supervisors and load balancers. No key needed.
// Readiness depends on the database only. Redis (shared rate-limit counters) is reported but does
// not make a node unready: every node shares one Redis, so a load balancer would drain them all at
// once, while a node without Redis still serves every request, limiting per node.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Database } from '../db/client.ts';
import { migrationsApplied } from '../db/migrate.ts';
import { AppError } from '../lib/errors.ts';
import { redisAnswers } from '../runtime/redis.ts';

export function healthRoutes(deps: { db: Database; redis?: Redis | null }) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: { hide: true } }, async () => {
      const lost = deps.db.lost();
      if (lost) {
        throw new AppError(
          'api_error',
          'database_lost',
          `The embedded database stopped (${lost.message}); the server is exiting to be restarted.`,
          { status: 503 },
        );
      }
      let ready = false;
      try {
        ready = await migrationsApplied(deps.db);
      } catch {
        ready = false;
      }
      if (!ready) {
        throw new AppError(
          'api_error',
          'not_ready',
          'The database is unreachable or its migrations are not applied.',
          {
            status: 503,
          },
        );
      }
      if (!deps.redis) return { status: 'ready', database: deps.db.kind };
      // 'degraded': rate limits are counted per node until Redis answers again.
      const redis = (await redisAnswers(deps.redis)) ? 'ok' : 'degraded';
      return { status: 'ready', database: deps.db.kind, redis };
    });
  };
}

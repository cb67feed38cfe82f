// Liveness and readiness, for process supervisors and load balancers. No key needed.
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/client.ts';
import { migrationsApplied } from '../db/migrate.ts';
import { AppError } from '../lib/errors.ts';

export function healthRoutes(deps: { db: Database }) {
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
      return { status: 'ready', database: deps.db.kind };
    });
  };
}

// While the server holds the embedded database, the CLI reaches it through a Unix socket in the
// data directory. Only the local user who owns the data directory can connect (mode 0600).
import { chmodSync, rmSync } from 'node:fs';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { registerErrorHandling } from '../http/error-handler.ts';
import { AppError } from '../lib/errors.ts';
import { ADMIN_OPERATIONS } from './admin-operations.ts';
import type { AdminOps } from './admin-ops.ts';

export async function startAdminSocket(
  ops: AdminOps,
  path: string,
  logger: Logger,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger.child({ component: 'admin-socket' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Uploaded files cross the socket as base64 in JSON.
    bodyLimit: 64 * 1024 * 1024,
  });
  registerErrorHandling(app);
  app.post<{ Params: { op: string }; Body: Record<string, unknown> }>('/admin/:op', async (request) => {
    const op = request.params.op as (typeof ADMIN_OPERATIONS)[number];
    if (!ADMIN_OPERATIONS.includes(op))
      throw AppError.invalid('unknown_operation', `Unknown operation '${op}'.`);
    const call = ops[op] as (input: unknown) => Promise<unknown>;
    return { result: await call(request.body ?? {}) };
  });
  rmSync(path, { force: true });
  await app.listen({ path });
  chmodSync(path, 0o600);
  return app;
}

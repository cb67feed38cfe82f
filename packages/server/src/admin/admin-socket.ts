// While the server holds the embedded database, the CLI reaches it through a Unix socket in the
// data directory. Only the local user who owns the data directory can connect (mode 0600).
import { chmodSync, rmSync } from 'node:fs';
import http from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { registerErrorHandling } from '../http/error-handler.ts';
import { AppError, type ErrorBody } from '../lib/errors.ts';
import { ADMIN_OPERATIONS, type AdminOps } from './admin-ops.ts';

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

export class AdminRequestError extends Error {
  readonly body: ErrorBody;
  constructor(body: ErrorBody) {
    super(body.message);
    this.body = body;
  }
}

/** AdminOps that forward every call to the running server's socket. */
export function socketAdminOps(path: string): AdminOps {
  const call =
    (op: string) =>
    (input: unknown = {}) =>
      new Promise<never>((resolve, reject) => {
        const body = JSON.stringify(input);
        const request = http.request(
          {
            socketPath: path,
            method: 'POST',
            path: `/admin/${op}`,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            timeout: 30_000,
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk) => {
              text += chunk;
            });
            response.on('end', () => {
              try {
                const parsed = JSON.parse(text);
                if (response.statusCode === 200) resolve(parsed.result);
                else reject(new AdminRequestError(parsed.error));
              } catch (error) {
                reject(error);
              }
            });
          },
        );
        request.on('timeout', () => request.destroy(new Error('The server did not answer within 30 s.')));
        request.on('error', reject);
        request.end(body);
      });
  return Object.fromEntries(ADMIN_OPERATIONS.map((op) => [op, call(op)])) as unknown as AdminOps;
}

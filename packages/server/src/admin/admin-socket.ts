// While the server holds the embedded database, the CLI reaches it through a Unix socket in the
// data directory. Only the local user who owns the data directory can connect (mode 0600).
import { chmodSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { registerErrorHandling } from '../http/error-handler.ts';
import { AppError } from '../lib/errors.ts';
import { ADMIN_OPERATIONS } from './admin-operations.ts';
import type { AdminOps } from './admin-ops.ts';
import type { Exporter, ExportRequest } from './export-request.ts';

/** One line of an export crossing the socket: the total first, then the parts as they are read. */
export type ExportFrame = { total: number } | { text: string; records: number };

async function* exportFrames(exporter: Exporter, request: ExportRequest) {
  const { total, parts } = await exporter(request);
  yield `${JSON.stringify({ total } satisfies ExportFrame)}\n`;
  for await (const part of parts) yield `${JSON.stringify(part satisfies ExportFrame)}\n`;
}

export async function startAdminSocket(
  ops: AdminOps,
  exporter: Exporter,
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
  app.post<{ Body: ExportRequest }>('/admin-export', async (request, reply) => {
    const frames = exportFrames(exporter, request.body);
    // The request's errors (an unknown chatbot…) answer as errors, before anything is sent.
    const first = await frames.next();
    return reply.type('application/x-ndjson').send(
      Readable.from(
        (async function* () {
          if (!first.done) yield first.value;
          yield* frames;
        })(),
      ),
    );
  });
  rmSync(path, { force: true });
  await app.listen({ path });
  chmodSync(path, 0o600);
  return app;
}

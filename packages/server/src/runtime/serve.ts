// `parley serve`: the API (and, unless --no-workers, the job workers) in one process.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createExporter } from '../admin/admin-exports.ts';
import { createAdminOps } from '../admin/admin-ops.ts';
import { startAdminSocket } from '../admin/admin-socket.ts';
import { buildApp } from '../app.ts';
import type { Config } from '../config.ts';
import { serverBaseUrl, serverOrigins } from '../modules/demo/demo-docs.ts';
import { createOwnerSetup } from '../modules/users/owner-setup.ts';
import type { Bootstrap } from '../modules/workspaces/workspace-service.ts';
import { type Context, createContext } from './context.ts';
import { acquireDataDirLock, type DataDirLock, socketPath } from './data-dir-lock.ts';
import { jobHandlers } from './job-handlers.ts';

export interface RunningServer {
  url: string;
  context: Context;
  app: FastifyInstance;
  /** Stops taking requests, finishes those in flight, stops workers, closes the database. */
  stop(): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger,
  options: { workers: boolean },
): Promise<RunningServer> {
  // Embedded mode: one process per data directory, or PGlite would lose writes.
  const lock: DataDirLock | null = config.databaseUrl ? null : acquireDataDirLock(config.dataDir);
  let context: Context | null = null;
  try {
    context = await createContext(config, logger);
    const bootstrap = await context.workspaces.ensureDefault();
    const app = await buildApp(context);
    if (options.workers) await context.queue.startWorkers(jobHandlers(context));
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    const admin = lock
      ? await startAdminSocket(
          createAdminOps(context, { baseUrl: url }),
          createExporter(context),
          socketPath(config.dataDir),
          logger,
        )
      : null;
    // After listen: the demo bot's allowed origins need the port actually taken (PORT=0 picks one).
    // The demo is a convenience: the server serves without it.
    const demo = await context.demo
      .ensure({
        workspaceId: bootstrap.workspace.id,
        origins: serverOrigins(config.host, port),
        baseUrl: config.publicUrl ?? serverBaseUrl(config.host, port),
        manyNodes: Boolean(config.databaseUrl),
      })
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'the demo chatbot could not be set up');
        return null;
      });
    // While the workspace has nobody, a link makes its opener the first owner (owner-setup.ts).
    const firstOwnerLink = await createOwnerSetup(context).linkFor(
      bootstrap.workspace.id,
      config.publicUrl ?? url,
    );
    printBanner(url, config, bootstrap, demo !== null, firstOwnerLink?.url ?? null);
    const ctx = context;
    return {
      url,
      context: ctx,
      app,
      async stop() {
        await app.close();
        await admin?.close();
        await ctx.close();
        lock?.release();
      },
    };
  } catch (error) {
    await context?.close().catch(() => {});
    lock?.release();
    throw error;
  }
}

function printBanner(
  url: string,
  config: Config,
  bootstrap: Bootstrap,
  demo: boolean,
  firstOwnerLink: string | null,
): void {
  const lines = [
    '',
    `Parley is running at ${url}`,
    ...(demo ? [`  Demo: ${url}/ (a chatbot trained on these docs)`] : []),
    `  Console: ${url}/app (the team signs in here)`,
    `  API reference: ${url}/docs`,
    `  Database: ${config.databaseUrl ? 'PostgreSQL server' : `embedded, in ${config.dataDir}`}`,
  ];
  if (bootstrap.keys.length > 0) {
    lines.push(
      '',
      `Created workspace "${bootstrap.workspace.name}". Its API keys are shown this once; store them now:`,
    );
    for (const key of bootstrap.keys) lines.push(`  ${key.row.environment} key: ${key.secret}`);
    lines.push('  Create more with: npm run parley -- keys create --name NAME [--env live|test]');
  }
  if (firstOwnerLink) {
    lines.push(
      '',
      'Nobody can sign in to the console yet. Open this one-time link to become the first owner',
      '(your email and a password; valid 7 days, a new one is printed at each start until used):',
      `  First owner: ${firstOwnerLink}`,
      '  Or from the command line: npm run parley -- users create --email you@example.com --role owner',
    );
  }
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Stops on SIGTERM/SIGINT: finish in-flight requests, close the database, exit 0. Installed
 * before start-up; a signal that arrives while starting stops the server as soon as it is up.
 * The stop takes at most `timeoutSeconds`: past that (a request that never ends, a stuck job)
 * the process exits 1 anyway, which loses nothing a kill -9 would not. When the embedded
 * database dies, the server stops the same way and exits 1, for a supervisor to restart it.
 */
export function stopOnSignals(
  logger: Logger,
  timeoutSeconds: number,
): { serving(server: RunningServer): void } {
  let server: RunningServer | null = null;
  let requested: string | null = null;
  const stop = (signal: string) => {
    const code = signal === 'database lost' ? 1 : 0;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutSeconds }, 'the server did not stop in time; exiting now');
      process.exit(1);
    }, timeoutSeconds * 1000).unref();
    server!.stop().then(
      () => process.exit(code),
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: string) => {
    if (requested) return;
    requested = signal;
    if (server) stop(signal);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  return {
    serving(running) {
      server = running;
      running.context.db.onLost((error) => {
        logger.fatal({ err: error }, 'the embedded database stopped; exiting to be restarted');
        onSignal('database lost');
      });
      if (requested) stop(requested);
    },
  };
}

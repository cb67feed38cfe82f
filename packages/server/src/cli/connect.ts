// Gives a CLI command the operator actions: through the running server's socket when it holds
// the embedded database, otherwise by opening the database in this process.

import { socketAdminOps, socketExporter } from '../admin/admin-client.ts';
import type { AdminOps } from '../admin/admin-ops.ts';
import type { Exporter } from '../admin/export-request.ts';
import type { Config } from '../config.ts';
import { createLogger } from '../lib/logger.ts';
import type { Context } from '../runtime/context.ts';
import { acquireDataDirLock, DataDirLockedError, readLockHolder } from '../runtime/data-dir-lock.ts';

/**
 * Runs `run` with what `viaSocket` makes of the running server's socket, or, when no server
 * holds the embedded database (or the database is a server's), with what `inProcess` makes of
 * a context opened here. `workers`: also run the job workers meanwhile in the second case (a
 * source added with no server running is processed by the CLI).
 */
async function withServerOrDatabase<Ops, T>(
  config: Config,
  open: { viaSocket: (path: string) => Ops; inProcess: (context: Context) => Promise<Ops> },
  run: (ops: Ops) => Promise<T>,
  options: { workers?: boolean } = {},
): Promise<T> {
  if (!config.databaseUrl) {
    const holder = readLockHolder(config.dataDir);
    if (holder) return run(open.viaSocket(holder.socketPath));
  }
  let lock = null;
  if (!config.databaseUrl) {
    try {
      lock = acquireDataDirLock(config.dataDir);
    } catch (error) {
      // A server started between the check and the lock: go through it.
      if (error instanceof DataDirLockedError) return run(open.viaSocket(error.holder.socketPath));
      throw error;
    }
  }
  // Logs go to stderr so that --json output on stdout stays one clean object.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  try {
    // Loaded only here: a command that goes through the running server needs none of it.
    const [{ createContext }, { jobHandlers }] = await Promise.all([
      import('../runtime/context.ts'),
      import('../runtime/job-handlers.ts'),
    ]);
    const context = await createContext(config, logger);
    try {
      if (options.workers && !config.databaseUrl) await context.queue.startWorkers(jobHandlers(context));
      return await run(await open.inProcess(context));
    } finally {
      await context.close();
    }
  } finally {
    lock?.release();
  }
}

export function withAdminOps<T>(
  config: Config,
  run: (ops: AdminOps) => Promise<T>,
  options: { workers?: boolean } = {},
): Promise<T> {
  return withServerOrDatabase(
    config,
    {
      viaSocket: socketAdminOps,
      inProcess: async (context) => (await import('../admin/admin-ops.ts')).createAdminOps(context),
    },
    run,
    options,
  );
}

export function withExporter<T>(config: Config, run: (exporter: Exporter) => Promise<T>): Promise<T> {
  return withServerOrDatabase(
    config,
    {
      viaSocket: socketExporter,
      inProcess: async (context) => (await import('../admin/admin-exports.ts')).createExporter(context),
    },
    run,
  );
}

// Gives a CLI command the operator actions: through the running server's socket when it holds
// the embedded database, otherwise by opening the database in this process.

import { socketAdminOps } from '../admin/admin-client.ts';
import type { AdminOps } from '../admin/admin-ops.ts';
import type { Config } from '../config.ts';
import { createLogger } from '../lib/logger.ts';
import { acquireDataDirLock, DataDirLockedError, readLockHolder } from '../runtime/data-dir-lock.ts';

/**
 * `workers`: when the CLI opens the embedded database itself, also run the job workers while
 * the command runs (a source added with no server running is processed by the CLI).
 */
export async function withAdminOps<T>(
  config: Config,
  run: (ops: AdminOps) => Promise<T>,
  options: { workers?: boolean } = {},
): Promise<T> {
  if (!config.databaseUrl) {
    const holder = readLockHolder(config.dataDir);
    if (holder) return run(socketAdminOps(holder.socketPath));
  }
  let lock = null;
  if (!config.databaseUrl) {
    try {
      lock = acquireDataDirLock(config.dataDir);
    } catch (error) {
      // A server started between the check and the lock: go through it.
      if (error instanceof DataDirLockedError) return run(socketAdminOps(error.holder.socketPath));
      throw error;
    }
  }
  // Logs go to stderr so that --json output on stdout stays one clean object.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  try {
    // Loaded only here: a command that goes through the running server needs none of it.
    const [{ createAdminOps }, { createContext }, { jobHandlers }] = await Promise.all([
      import('../admin/admin-ops.ts'),
      import('../runtime/context.ts'),
      import('../runtime/job-handlers.ts'),
    ]);
    const context = await createContext(config, logger);
    try {
      if (options.workers && !config.databaseUrl) await context.queue.startWorkers(jobHandlers(context));
      return await run(createAdminOps(context));
    } finally {
      await context.close();
    }
  } finally {
    lock?.release();
  }
}

// `parley worker`: job workers only, for scale-out deployments on a PostgreSQL server.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { ConfigError } from '../config.ts';
import { createContext } from './context.ts';
import { jobHandlers } from './job-handlers.ts';

export async function startWorker(config: Config, logger: Logger): Promise<void> {
  if (!config.databaseUrl) {
    throw new ConfigError(
      'parley worker needs DATABASE_URL. With the embedded database, `parley serve` runs the workers itself.',
    );
  }
  const context = await createContext(config, logger);
  await context.queue.startWorkers(jobHandlers(context));
  logger.info('worker started');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // A job that does not end within the stop timeout does not hold the process: it runs again.
    setTimeout(() => {
      logger.error('the worker did not stop in time; exiting now');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000).unref();
    await context.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

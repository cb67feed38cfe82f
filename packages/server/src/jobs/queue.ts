// The job queue: pg-boss on the same database, embedded (PGlite) or a PostgreSQL server.
// API nodes start it to send jobs; worker processes (or `serve` without --no-workers) also
// register the handlers of the job catalog and run the cron schedules.
import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { JobDefinition } from './catalog.ts';

export interface Queue {
  boss: PgBoss;
  stop(): Promise<void>;
}

/** pg-boss reaches PGlite through this adapter; on a server it uses the same pool as the app. */
function executorFor(db: Database) {
  if (db.kind === 'pglite') {
    const pglite = db.pglite!;
    return {
      async executeSql(text: string, values?: unknown[]) {
        if (values && values.length > 0) return pglite.query(text, values);
        // Several statements in one string: pg answers with one result per statement.
        const results = await pglite.exec(text);
        return results.length === 1 ? results[0]! : (results as unknown as { rows: unknown[] });
      },
    };
  }
  const pool = db.pool!;
  return { executeSql: (text: string, values?: unknown[]) => pool.query(text, values) };
}

export async function startQueue(options: {
  db: Database;
  logger: Logger;
  workers: boolean;
  jobs: JobDefinition[];
}): Promise<Queue> {
  const { db, logger, workers } = options;
  const boss = new PgBoss({
    db: executorFor(db) as never,
    backend: db.kind === 'pglite' ? 'pglite' : 'postgres',
    schema: 'pgboss',
    supervise: workers,
    schedule: workers,
  });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  await boss.start();
  for (const job of options.jobs) {
    await boss.createQueue(job.name, {
      retryLimit: job.retryLimit ?? 3,
      expireInSeconds: job.timeoutSeconds ?? 900,
    });
  }
  if (workers) {
    for (const job of options.jobs) {
      await boss.work(job.name, { localConcurrency: job.concurrency ?? 1 }, async (batch) => {
        for (const item of batch) await job.handle(item.data as never);
      });
      if (job.cron) await boss.schedule(job.name, job.cron);
    }
  }
  return {
    boss,
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}

// The job queue: pg-boss on the same database, embedded (PGlite) or a PostgreSQL server.
// Every node starts it to send jobs; worker processes (or `serve` without --no-workers) also
// register the handlers and run the cron schedules.
import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { Value } from 'typebox/value';
import { withAdvisoryLock } from '../db/advisory-lock.ts';
import type { Database } from '../db/client.ts';
import { JOBS, type JobDefinition, type JobName, type JobPayload } from './catalog.ts';

const DEFINITIONS: JobDefinition[] = Object.values(JOBS);
const BY_NAME = new Map<string, JobDefinition>(DEFINITIONS.map((job) => [job.name, job]));

/**
 * The job's data as stored (JSON: undefined fields dropped), or an error naming the job and the
 * first field its schema refuses: a job is never queued, nor run, with data it cannot handle.
 */
export function checkPayload(name: string, data: unknown): Record<string, unknown> {
  const job = BY_NAME.get(name);
  if (!job) throw new Error(`There is no job '${name}' in the catalog.`);
  const stored: Record<string, unknown> = JSON.parse(JSON.stringify(data ?? {}));
  if (!Value.Check(job.payload, stored)) {
    const [first] = Value.Errors(job.payload, stored);
    throw new Error(
      `The data of a '${name}' job does not match its schema: ${first?.instancePath || '/'} ${first?.message ?? ''}`.trim(),
    );
  }
  return stored;
}
/** Jobs of the queue proper; the others are in-process ticks (`everySeconds`). */
const QUEUED: JobDefinition[] = DEFINITIONS.filter((job) => !job.everySeconds);
const TICKS: JobDefinition[] = DEFINITIONS.filter((job) => job.everySeconds);

export interface SendOptions {
  /** At most one queued job per key: repeated sends of the same work collapse. */
  singletonKey?: string;
  startAfterSeconds?: number;
}

export interface JobSender {
  send<N extends JobName>(name: N, data: JobPayload<N>, options?: SendOptions): Promise<void>;
}

/** One handler per job of the catalog, given the job's checked data. */
export type JobHandlers = { [N in JobName]: (data: JobPayload<N>) => Promise<void> };

export interface Queue extends JobSender {
  boss: PgBoss;
  startWorkers(handlers: JobHandlers): Promise<void>;
  stop(): Promise<void>;
}

/**
 * pg-boss reaches PGlite through this adapter; on a server it uses the app's pool. Its LISTEN goes
 * through the database's own listener, which reconnects by itself and then calls its handlers with
 * an empty payload: a notification may have been missed, so every worker looks for jobs at once.
 */
function executorFor(db: Database) {
  const listen = async (
    channel: string,
    onNotification: (queue: string) => void,
    onReconnect: () => void,
  ) => {
    const close = await db.listen(channel, (payload) => (payload ? onNotification(payload) : onReconnect()));
    return { close };
  };
  if (db.kind === 'pglite') {
    const pglite = db.pglite!;
    return {
      async executeSql(text: string, values?: unknown[]) {
        if (values && values.length > 0) return pglite.query(text, values);
        // Several statements in one string: pg answers with one result per statement.
        const results = await pglite.exec(text);
        return results.length === 1 ? results[0]! : (results as unknown as { rows: unknown[] });
      },
      listen,
    };
  }
  const pool = db.pool!;
  return { executeSql: (text: string, values?: unknown[]) => pool.query(text, values), listen };
}

/** Lock id of the queue's set-up (see db/advisory-lock.ts for the others). */
const QUEUE_SETUP_LOCK_ID = 727_004;

/** Starts pg-boss (creating or upgrading its schema) and creates the queues Parley uses. */
async function setUpQueues(boss: PgBoss): Promise<void> {
  await boss.start();
  for (const job of QUEUED) {
    await boss.createQueue(job.name, {
      policy: job.policy ?? 'standard',
      ...(job.heartbeatSeconds ? { heartbeatSeconds: job.heartbeatSeconds } : {}),
      retryLimit: job.retryLimit ?? 3,
      retryBackoff: true,
      expireInSeconds: job.timeoutSeconds ?? 900,
      notify: true,
    });
    // Queues created before jobs woke their workers keep their options: this one is turned on.
    if (!(await boss.getQueue(job.name))?.notify) await boss.updateQueue(job.name, { notify: true });
  }
}

export async function startQueue(options: { db: Database; logger: Logger; schema: string }): Promise<Queue> {
  const { db, logger, schema } = options;
  const boss = new PgBoss({
    db: executorFor(db) as never,
    backend: db.kind === 'pglite' ? 'pglite' : 'postgres',
    schema,
    supervise: false,
    schedule: false,
  });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  // Nodes starting together on a new database would each create the queue's schema and tables
  // (and fail on the same names): one node at a time does, the others find them made.
  await withAdvisoryLock(db, QUEUE_SETUP_LOCK_ID, () => setUpQueues(boss));
  let working: PgBoss | null = null;
  const ticks = startTicks(logger);
  return {
    boss,
    async send(name, data, sendOptions = {}) {
      await boss.send(name, checkPayload(name, data), {
        ...(sendOptions.singletonKey ? { singletonKey: sendOptions.singletonKey } : {}),
        ...(sendOptions.startAfterSeconds ? { startAfter: sendOptions.startAfterSeconds } : {}),
      });
    },
    async startWorkers(handlers) {
      // Supervision and cron run in a second instance that only worker nodes start.
      working = new PgBoss({
        db: executorFor(db) as never,
        backend: db.kind === 'pglite' ? 'pglite' : 'postgres',
        schema,
        supervise: true,
        // Often enough that a job whose worker was killed (no heartbeat) is retried within ~20 s.
        superviseIntervalSeconds: 10,
        schedule: true,
        migrate: false,
        // A job sent by any node wakes the workers of every node (NOTIFY in the transaction that
        // stores it), instead of waiting up to a polling interval: half a second on average.
        useListenNotify: true,
      });
      working.on('error', (error) => logger.error({ err: error }, 'job worker error'));
      await working.start();
      for (const job of QUEUED) {
        const handle = handlers[job.name as JobName] as (data: unknown) => Promise<void>;
        await working.work(
          job.name,
          {
            localConcurrency: job.concurrency ?? 1,
            // Polling stays the floor, at the same pace with or without the listener: jobs due
            // later (retries, startAfter), a stately job freed when the one before it ends, and
            // a notification lost with its connection wake no one.
            pollingIntervalSeconds: 1,
            notifyPollingIntervalSeconds: 1,
          },
          async (batch) => {
            // Cron jobs carry no data (null); anything else must match its schema.
            for (const item of batch) await handle(checkPayload(job.name, item.data));
          },
        );
        if (job.cron) await working.schedule(job.name, job.cron);
      }
      for (const job of TICKS) {
        const handle = handlers[job.name as JobName] as (data: unknown) => Promise<void>;
        ticks.start(job, () => handle({}));
      }
    },
    async stop() {
      await ticks.stop();
      if (working) await working.stop({ graceful: true, timeout: 10_000 });
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}

/** In-process periodic jobs: each runs again `everySeconds` after its previous run ended. */
function startTicks(logger: Logger) {
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  return {
    start(job: JobDefinition, handle: () => Promise<void>) {
      const schedule = () => {
        if (stopped) return;
        const timer = setTimeout(() => {
          timers.delete(timer);
          const run = handle()
            .catch((error) => logger.error({ err: error, job: job.name }, 'job failed'))
            .finally(() => {
              running.delete(run);
              schedule();
            });
          running.add(run);
        }, job.everySeconds! * 1000);
        timers.add(timer);
      };
      schedule();
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(running);
    },
  };
}

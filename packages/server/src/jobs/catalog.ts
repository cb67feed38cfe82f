// The job catalog: every job's name, handler, retries, timeout and schedule in one place.
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import { deleteExpired } from '../http/idempotency-repository.ts';

export interface JobDefinition<Data = unknown> {
  name: string;
  handle(data: Data): Promise<void>;
  cron?: string;
  retryLimit?: number;
  timeoutSeconds?: number;
  concurrency?: number;
}

export function jobCatalog(deps: { db: Database; logger: Logger }): JobDefinition[] {
  return [
    {
      name: 'maintenance-purge-idempotency-keys',
      cron: '17 * * * *',
      async handle() {
        const removed = await deleteExpired(deps.db.orm);
        if (removed > 0) deps.logger.info({ removed }, 'purged expired idempotency keys');
      },
    },
  ];
}

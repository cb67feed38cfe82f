// The job catalog: every job's name, retries, timeout and schedule in one place. Handlers are
// registered by the worker (runtime/workers.ts), so sending a job needs no handler code.
export interface JobDefinition {
  name: string;
  cron?: string;
  retryLimit?: number;
  timeoutSeconds?: number;
  concurrency?: number;
}

export const JOBS = {
  purgeIdempotencyKeys: { name: 'maintenance-purge-idempotency-keys', cron: '17 * * * *' },
  purgeChatbots: { name: 'chatbots-purge', cron: '*/15 * * * *', retryLimit: 10 },
} as const satisfies Record<string, JobDefinition>;

export type JobName = (typeof JOBS)[keyof typeof JOBS]['name'];

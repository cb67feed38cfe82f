// The job catalog: every job's name, payload schema, retries, timeout and schedule in one place.
// Handlers are registered by the worker (runtime/job-handlers.ts), so sending a job needs no
// handler code; a payload is checked against its schema when sent and again when run.
import { type Static, type TSchema, Type } from 'typebox';

const strict = { additionalProperties: false } as const;
/** A row's id (UUIDv7), as the database stores it. */
const Id = Type.String({ format: 'uuid' });
/** Scheduled (cron) jobs and ticks carry nothing. */
const NoData = Type.Object({}, strict);

export interface JobDefinition {
  name: string;
  /** What the job's data must be: checked by JobSender.send and before the handler runs. */
  payload: TSchema;
  /** 'stately': at most one queued and one active job per singletonKey. */
  policy?: 'standard' | 'stately';
  /** A job whose worker stops sending heartbeats (killed) is retried after this long. */
  heartbeatSeconds?: number;
  cron?: string;
  /**
   * Runs in every worker process every this many seconds, outside the queue: for work that must
   * start within seconds, finer than cron. Runs never overlap within a process.
   */
  everySeconds?: number;
  retryLimit?: number;
  timeoutSeconds?: number;
  concurrency?: number;
}

export const JOBS = {
  purgeIdempotencyKeys: { name: 'maintenance-purge-idempotency-keys', payload: NoData, cron: '17 * * * *' },
  purgeChatbots: { name: 'chatbots-purge', payload: NoData, cron: '*/15 * * * *', retryLimit: 10 },
  ingestSource: {
    name: 'source-ingest',
    payload: Type.Object(
      { sourceId: Id, resync: Type.Optional(Type.Boolean()), allowRemovals: Type.Optional(Type.Boolean()) },
      strict,
    ),
    policy: 'stately',
    heartbeatSeconds: 10,
    retryLimit: 5,
    timeoutSeconds: 6 * 3600,
    concurrency: 2,
  },
  sweepSources: { name: 'sources-sweep', payload: NoData, cron: '*/5 * * * *' },
  /** Embeds chunks that have no embedding from their chatbot's present model (see embedding-backfill). */
  backfillEmbeddings: {
    name: 'embeddings-backfill',
    payload: NoData,
    cron: '* * * * *',
    policy: 'stately',
    heartbeatSeconds: 30,
    timeoutSeconds: 3600,
  },
  /** Sends one endpoint's due webhook deliveries; one job at a time per endpoint. */
  deliverWebhook: {
    name: 'webhook-deliver',
    payload: Type.Object({ webhookId: Id }, strict),
    policy: 'stately',
    heartbeatSeconds: 10,
    retryLimit: 5,
    timeoutSeconds: 600,
    concurrency: 4,
  },
  /** Turns new events into webhook deliveries and queues the endpoints with deliveries due. */
  pumpWebhooks: { name: 'webhooks-pump', payload: NoData, everySeconds: 1 },
  purgeEvents: { name: 'events-purge', payload: NoData, cron: '41 3 * * *' },
  /** Answers a channel's stored updates and sends its replies, in order; one job per channel. */
  channelWork: {
    name: 'channel-work',
    payload: Type.Object({ channelId: Id }, strict),
    policy: 'stately',
    heartbeatSeconds: 10,
    retryLimit: 5,
    timeoutSeconds: 600,
    concurrency: 4,
  },
  /** Queues the channels with work due: agents' replies, retries. */
  dispatchChannels: { name: 'channels-dispatch', payload: NoData, everySeconds: 1 },
  /** Long-polls the platforms for channels without a webhook (no PARLEY_PUBLIC_URL). */
  pollChannels: { name: 'channels-poll', payload: NoData, everySeconds: 1 },
  /** Removes at its platform what a deleted channel registered there (a Telegram webhook). */
  unregisterChannel: {
    name: 'channel-unregister',
    payload: Type.Object({ removalId: Id }, strict),
    policy: 'stately',
    retryLimit: 3,
    timeoutSeconds: 180,
    concurrency: 2,
  },
  /** Deletes channel deliveries past the retention period. */
  purgeChannelDeliveries: { name: 'channels-purge', payload: NoData, cron: '47 3 * * *' },
  /** Runs (or resumes) one agent loop execution; one job at a time per execution. */
  runAgentLoop: {
    name: 'agent-loop-run',
    payload: Type.Object({ executionId: Id }, strict),
    policy: 'stately',
    heartbeatSeconds: 10,
    retryLimit: 5,
    timeoutSeconds: 3_900,
    concurrency: 4,
  },
  /** Starts the agent loops whose cron schedule is due; sends the jobs of executions left queued. */
  scheduleAgentLoops: { name: 'agent-loops-schedule', payload: NoData, everySeconds: 1 },
  /** Idle people go offline; conversations of people offline long enough return to the queue. */
  sweepPresence: { name: 'presence-sweep', payload: NoData, everySeconds: 30 },
  /** Queues the mail of notices kept for people who were not online. */
  dispatchPersonNotices: { name: 'person-notices-dispatch', payload: NoData, everySeconds: 2 },
  /** Mails one notice to its person; retried when the mail server refuses. */
  mailPersonNotice: {
    name: 'person-notice-mail',
    payload: Type.Object({ noticeId: Id }, strict),
    retryLimit: 5,
    timeoutSeconds: 120,
    concurrency: 2,
  },
} as const satisfies Record<string, JobDefinition>;

type Job = (typeof JOBS)[keyof typeof JOBS];
export type JobName = Job['name'];
/** The data of a job of this name, as its schema describes it. */
export type JobPayload<N extends JobName> = Static<Extract<Job, { name: N }>['payload']>;

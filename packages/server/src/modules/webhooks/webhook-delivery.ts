// The delivery engine. Events reach endpoints in three steps, each safe to repeat and to crash in:
// 1. dispatch: committed events not yet dispatched become one delivery per matching endpoint
//    (unique per event and endpoint), in the transaction that marks them dispatched;
// 2. sweep: every endpoint with deliveries due gets a `webhook-deliver` job (one at a time each);
// 3. the job claims due deliveries for a lease, sends them and records each attempt.
// A sender that dies leaves its claims to expire; the next sweep sends them again, with the same
// `webhook-id`. So an event is delivered at least once, whatever crashes when.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { encodeId, newUuid, typeIdsAsUuids } from '../../lib/ids.ts';
import type { SafeFetch } from '../../lib/safe-fetch.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import {
  claimUndispatched,
  eventsByIds,
  markDispatched,
  type OutboxEvent,
  recordDispatchedEvent,
} from '../events/event-outbox.ts';
import { TEST_EVENT_TYPE } from '../events/event-schemas.ts';
import * as deliveries from './delivery-repository.ts';
import * as webhooksRepo from './webhook-repository.ts';
import { nextAttemptAt } from './webhook-retry.ts';
import type { DeliveryRow, WebhookRow } from './webhook-schemas.ts';
import { type AttemptResult, sendAttempt } from './webhook-sender.ts';
import { signDelivery } from './webhook-signing.ts';

export interface DeliveryEngineDeps {
  db: Database;
  logger: Logger;
  jobs: JobSender;
  secretBox: SecretBox;
  fetch: SafeFetch;
  /** Seconds before each retry; the number of retries is its length. */
  retryDelaysSeconds: readonly number[];
  /** Per attempt, connection to last byte read. */
  timeoutMs?: number;
  /** An endpoint whose attempts all failed for this long is disabled. */
  disableAfterMs?: number;
  /** Deliveries in flight at once to one endpoint. */
  concurrencyPerEndpoint?: number;
  now?: () => Date;
}

type EventData = { type: string; createdAt: Date; data: Record<string, unknown> };
type Mode = 'scheduled' | 'manual' | 'test';

const DISPATCH_BATCH = 500;
const DAY_MS = 86_400_000;
/** A job hands its endpoint back to the sweep after this long, so one endpoint cannot hog a worker. */
const JOB_BUDGET_MS = 60_000;

/**
 * The deliveries to create for claimed events, in the events' order: one per enabled endpoint of
 * the event's workspace and environment that subscribes to its type (or to '*') and existed when
 * the event happened.
 */
export function matchEndpoints(
  batch: OutboxEvent[],
  endpoints: Awaited<ReturnType<typeof deliveries.enabledEndpointsOf>>,
): { eventId: string; eventType: string; webhookId: string }[] {
  return batch.flatMap((event) =>
    endpoints
      .filter(
        (endpoint) =>
          endpoint.workspaceId === event.workspaceId &&
          endpoint.environment === event.environment &&
          endpoint.createdAt.getTime() <= event.createdAt.getTime() &&
          (endpoint.eventTypes.includes(event.type) || endpoint.eventTypes.includes('*')),
      )
      .map((endpoint) => ({ eventId: event.id, eventType: event.type, webhookId: endpoint.id })),
  );
}

export function createWebhookDelivery(deps: DeliveryEngineDeps) {
  const { db, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const disableAfterMs = deps.disableAfterMs ?? 5 * DAY_MS;
  const concurrency = deps.concurrencyPerEndpoint ?? 10;
  const batchSize = concurrency * 2;
  // Long enough for a whole claimed batch to be sent, one timeout per round of `concurrency`.
  const leaseMs = Math.ceil(batchSize / concurrency) * timeoutMs + 30_000;
  // Set at shutdown: jobs stop taking deliveries; those claimed but not sent are released.
  let stopping = false;

  /** The secrets that sign now: the current one, then each replaced one still in its grace period, newest first. */
  function signingSecrets(webhook: WebhookRow, at: Date): string[] {
    const previous = webhook.previousSecrets
      .filter((secret) => new Date(secret.expires_at) > at)
      .reverse()
      .map((secret) => deps.secretBox.decrypt(secret.sealed));
    return [deps.secretBox.decrypt(webhook.secretSealed), ...previous];
  }

  function nextState(
    delivery: DeliveryRow,
    result: AttemptResult,
    mode: Mode,
    at: Date,
  ): { status: DeliveryRow['status']; nextAttemptAt: Date | null } {
    if (result.outcome.kind === 'succeeded') return { status: 'succeeded', nextAttemptAt: null };
    // A test, or a manual retry of a delivery already settled, is one attempt and no schedule.
    if (
      result.outcome.kind === 'failed' ||
      mode === 'test' ||
      (mode === 'manual' && delivery.status !== 'pending')
    ) {
      return { status: 'failed', nextAttemptAt: null };
    }
    const next = nextAttemptAt(
      deps.retryDelaysSeconds,
      delivery.attemptCount + 1,
      at,
      result.retryAfterSeconds,
    );
    return next ? { status: 'pending', nextAttemptAt: next } : { status: 'failed', nextAttemptAt: null };
  }

  interface Sent {
    recorded: deliveries.RecordedAttempt;
    result: AttemptResult;
  }

  /** Sends one claimed delivery; records nothing. */
  async function send(
    webhook: WebhookRow,
    delivery: DeliveryRow,
    event: EventData,
    mode: Mode,
  ): Promise<Sent> {
    const at = now();
    const body = JSON.stringify({
      type: event.type,
      timestamp: event.createdAt.toISOString(),
      data: webhook.idFormat === 'uuid' ? typeIdsAsUuids(event.data) : event.data,
    });
    const headers = signDelivery(signingSecrets(webhook, at), {
      id: encodeId('evt', delivery.eventId),
      timestamp: at,
      body,
    });
    const result = await sendAttempt(
      { fetch: deps.fetch, timeoutMs },
      { url: webhook.url, headers, body, sentAt: at },
    );
    // The wait before a retry counts from when this attempt ended: after a 10 s timeout, a 5 s
    // delay counted from its start would already be over.
    const state = nextState(delivery, result, mode, now());
    const attempt = {
      attemptedAt: at,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.error,
      responseBody: result.responseBody,
    };
    return { recorded: { deliveryId: delivery.id, attempt, ...state }, result };
  }

  /**
   * Records attempts to one endpoint in one transaction, and the endpoint's health: a success
   * clears its failure streak; failures only start one, and one lasting too long disables it.
   * Returns whether the endpoint got disabled.
   */
  async function record(webhook: WebhookRow, sent: Sent[]): Promise<boolean> {
    if (sent.length === 0) return false;
    const disabled = await db.orm.transaction(async (tx) => {
      await deliveries.recordAttempts(
        tx,
        sent.map((item) => item.recorded),
      );
      if (sent.some((item) => item.result.outcome.kind === 'succeeded')) {
        await webhooksRepo.markHealthy(tx, webhook.id);
        return false;
      }
      const last = sent[sent.length - 1]!;
      const at = last.recorded.attempt.attemptedAt;
      const failing = await webhooksRepo.markFailing(tx, webhook.id, sent[0]!.recorded.attempt.attemptedAt);
      if (!failing?.failingSince || at.getTime() - failing.failingSince.getTime() < disableAfterMs)
        return false;
      return webhooksRepo.disableFailing(
        tx,
        webhook.id,
        disabledReason(failing.failingSince, at, last.result),
      );
    });
    if (disabled) {
      logger.warn(
        { webhook: encodeId('wh', webhook.id) },
        'webhook endpoint disabled after failing for days',
      );
    }
    return disabled;
  }

  /**
   * Group commit: attempts finishing while a write is under way are written together by the
   * next one, so concurrent sends to an endpoint cost one transaction per round, not one each.
   */
  function createRecorder(webhook: WebhookRow) {
    let pending: { sent: Sent; done: (disabled: boolean) => void; fail: (error: unknown) => void }[] = [];
    let writing = false;
    async function drain(): Promise<void> {
      writing = true;
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        try {
          const disabled = await record(
            webhook,
            batch.map((item) => item.sent),
          );
          for (const item of batch) item.done(disabled);
        } catch (error) {
          for (const item of batch) item.fail(error);
        }
      }
      writing = false;
    }
    return (sent: Sent) =>
      new Promise<boolean>((done, fail) => {
        pending.push({ sent, done, fail });
        if (!writing) void drain();
      });
  }

  function disabledReason(since: Date, at: Date, result: AttemptResult): string {
    const days = Math.floor((at.getTime() - since.getTime()) / DAY_MS);
    return (
      `Disabled on ${at.toISOString()} after failing continuously for ${days} days (since ${since.toISOString()}). ` +
      `Last error: ${result.error ?? 'unknown'}. Set enabled to true to turn it back on.`
    );
  }

  return {
    /** Shutdown: running jobs finish the attempts in flight and take no more. */
    stop(): void {
      stopping = true;
    },

    /** Turns committed events into deliveries. Returns how many events it dispatched. */
    async dispatch(): Promise<number> {
      let total = 0;
      for (;;) {
        const count = await db.orm.transaction(async (tx) => {
          const batch = await claimUndispatched(tx, DISPATCH_BATCH);
          if (batch.length === 0) return 0;
          const at = now();
          const endpoints = await deliveries.enabledEndpointsOf(tx, [
            ...new Set(batch.map((event) => event.workspaceId)),
          ]);
          await deliveries.insertDeliveries(tx, matchEndpoints(batch, endpoints), at);
          await markDispatched(
            tx,
            batch.map((event) => event.id),
            at,
          );
          return batch.length;
        });
        total += count;
        if (count < DISPATCH_BATCH) return total;
      }
    },

    /** Queues one job per endpoint with deliveries due. Returns how many endpoints. */
    async sweep(): Promise<number> {
      const ids = await deliveries.dueWebhookIds(db.orm, now(), 1000);
      for (const webhookId of ids) {
        await deps.jobs.send('webhook-deliver', { webhookId }, { singletonKey: webhookId });
      }
      return ids.length;
    },

    /** The job: sends the endpoint's due deliveries until none is left. Returns how many it sent. */
    async deliverDue(webhookId: string): Promise<number> {
      const started = performance.now();
      const limit = pLimit(concurrency);
      let sent = 0;
      while (!stopping && performance.now() - started < JOB_BUDGET_MS) {
        const webhook = await webhooksRepo.findWebhookById(db.orm, webhookId);
        if (!webhook?.enabled) return sent;
        const at = now();
        const batch = await deliveries.claimDue(
          db.orm,
          webhookId,
          at,
          new Date(at.getTime() + leaseMs),
          batchSize,
        );
        if (batch.length === 0) return sent;
        const eventsById = await eventsByIds(
          db.orm,
          batch.map((row) => row.eventId),
        );
        let disabled = false;
        const skipped: string[] = [];
        const recordOne = createRecorder(webhook);
        await Promise.all(
          batch.map((delivery) =>
            limit(async () => {
              const event = eventsById.get(delivery.eventId);
              if (disabled || stopping || !event) {
                skipped.push(delivery.id);
                return;
              }
              const sentOne = await send(webhook, delivery, event, 'scheduled');
              sent += 1;
              if (await recordOne(sentOne)) disabled = true;
            }),
          ),
        );
        await deliveries.releaseClaims(db.orm, skipped);
        if (disabled || stopping) return sent;
      }
      return sent;
    },

    /**
     * Sends one delivery now (POST …/retry). Null when a sender holds it at this moment;
     * the row as it was when its event is gone.
     */
    async attemptNow(webhook: WebhookRow, deliveryId: string): Promise<DeliveryRow | null> {
      const at = now();
      const claimed = await deliveries.claimOne(db.orm, deliveryId, at, new Date(at.getTime() + leaseMs));
      if (!claimed) return null;
      const event = (await eventsByIds(db.orm, [claimed.eventId])).get(claimed.eventId);
      if (!event) {
        await deliveries.releaseClaims(db.orm, [claimed.id]);
        return claimed;
      }
      await record(webhook, [await send(webhook, claimed, event, 'manual')]);
      return (await deliveries.findDelivery(db.orm, claimed.id)) ?? claimed;
    },

    /** Sends a `webhook.test` event to one endpoint, once, and returns its delivery. */
    async sendTest(webhook: WebhookRow): Promise<DeliveryRow> {
      const at = now();
      const scope = { workspaceId: webhook.workspaceId, environment: webhook.environment };
      const eventId = newUuid();
      const data = {
        webhook_id: encodeId('wh', webhook.id),
        message: 'A test event, sent from POST /v1/webhooks/{id}/test.',
      };
      const { event, delivery } = await db.orm.transaction(async (tx) => {
        const event = await recordDispatchedEvent(tx, {
          id: eventId,
          scope,
          type: TEST_EVENT_TYPE,
          data,
          at,
        });
        const delivery = await deliveries.insertClaimedDelivery(tx, {
          webhookId: webhook.id,
          eventId,
          eventType: TEST_EVENT_TYPE,
          leaseUntil: new Date(at.getTime() + leaseMs),
        });
        return { event, delivery };
      });
      await record(webhook, [await send(webhook, delivery, event, 'test')]);
      return (await deliveries.findDelivery(db.orm, delivery.id)) ?? delivery;
    },
  };
}

export type WebhookDelivery = ReturnType<typeof createWebhookDelivery>;

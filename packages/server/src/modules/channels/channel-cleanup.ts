// What deleting a channel (or its chatbot) leaves to do at the platform, and the retention of a
// channel's deliveries. Parley registers one thing itself: a Telegram webhook (setWebhook). Its
// removal is written in the transaction that deletes the channel and done by channel-unregister
// jobs, retried with back-off, so that Telegram being down or a lost job delays it, never loses
// it. Slack's Request URL, Meta's Callback URL and mail routes are set by the team in the
// platform's console and removed there (docs/channels.md).
import type { Logger } from 'pino';
import type { Database, Executor } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { encodeId } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import { uuidv7Floor } from '../events/event-service.ts';
import * as repo from './channel-cleanup-repository.ts';
import { hookPath } from './channel-connect.ts';
import type { ChannelRow } from './channel-repository.ts';
import { CHANNEL_EVENT_RETENTION_DAYS } from './channel-schemas.ts';
import { asPlatformError } from './platform-error.ts';
import type { TelegramClient } from './telegram.ts';

/** Seconds before each new attempt at a removal the platform did not confirm: about 1.4 days in all. */
const REMOVAL_RETRY_DELAYS_SECONDS = [2, 10, 60, 300, 1800, 7200, 21_600, 86_400];
/** Two platform calls of at most 15 s each, with room to spare. */
const REMOVAL_LEASE_SECONDS = 120;
const PURGE_BATCH = 1000;
/**
 * How long a Mailgun post's token stays claimed: far beyond the five minutes its signature is
 * valid (and any clock skew), so that no replay can outlive it.
 */
const INBOUND_TOKEN_RETENTION_MS = 86_400_000;

/** What tells whether a channel, stored or about to be, registered something at its platform. */
type Registration = Pick<ChannelRow, 'id' | 'workspaceId' | 'environment' | 'type'> &
  Partial<Pick<ChannelRow, 'mode' | 'botTokenSealed'>>;

export function createChannelCleanup(deps: {
  db: Database;
  logger: Logger;
  secretBox: SecretBox;
  telegram: TelegramClient;
  jobs: JobSender;
  now?: () => Date;
}) {
  const { db, logger, telegram } = deps;
  const now = deps.now ?? (() => new Date());

  /** Whether Parley registered something at the platform for this channel. */
  const registered = (row: Registration) =>
    row.type === 'telegram' && row.mode === 'webhook' && Boolean(row.botTokenSealed);

  /** Removes the channel's webhook at Telegram, unless the bot now delivers elsewhere. */
  async function unregisterTelegram(removal: repo.RemovalRow): Promise<void> {
    const token = deps.secretBox.decrypt(removal.botTokenSealed);
    const info = await telegram.getWebhookInfo(token);
    // The same bot may have been connected again since (another channel, another server):
    // its new webhook is not this channel's to remove.
    if (!info.url.endsWith(hookPath('telegram', removal.channelId))) return;
    await telegram.deleteWebhook(token);
  }

  /**
   * Deletes channels in the caller's transaction, recording first what each registered at its
   * platform. Returns the removals to send jobs for once the transaction commits.
   */
  async function deleteChannels(tx: Executor, rows: ChannelRow[]): Promise<string[]> {
    const removals: string[] = [];
    for (const row of rows) {
      if (registered(row)) removals.push(await repo.insertRemoval(tx, row, row.botTokenSealed!));
    }
    await repo.deleteChannels(
      tx,
      rows.map((row) => row.id),
    );
    return removals;
  }

  return {
    deleteChannels,

    /**
     * Records, in the caller's transaction, the removal of what connecting a channel registered
     * at its platform when the channel is not stored after all (its chatbot was deleted during
     * the platform calls). Returns the removals to queue once the transaction commits.
     */
    async abandon(tx: Executor, row: Registration): Promise<string[]> {
      return registered(row) ? [await repo.insertRemoval(tx, row, row.botTokenSealed!)] : [];
    },

    /** Deletes a chatbot's channels in the caller's transaction, as `deleteChannels` does. */
    async deleteOfChatbot(tx: Executor, scope: Scope, chatbotId: string): Promise<string[]> {
      return deleteChannels(tx, await repo.lockChannelsOfChatbot(tx, scope, chatbotId));
    },

    /** Queues the jobs of committed removals; the dispatch tick sends any this misses. */
    async queue(removalIds: string[]): Promise<void> {
      for (const removalId of removalIds) {
        await deps.jobs.send('channel-unregister', { removalId }, { singletonKey: removalId });
      }
    },

    /** Sends a job for each removal due (new ones whose job was lost, retries). */
    async dispatch(): Promise<void> {
      for (const removalId of await repo.dueRemovals(db.orm, 100)) {
        await deps.jobs.send('channel-unregister', { removalId }, { singletonKey: removalId });
      }
    },

    /**
     * One attempt at a removal. Done (the row goes) when the platform confirms, when it refuses
     * the token (nothing is left to remove for a revoked bot), or after the last retry.
     */
    async unregister(removalId: string): Promise<void> {
      const removal = await repo.claimRemoval(db.orm, removalId, REMOVAL_LEASE_SECONDS);
      if (!removal) return;
      const channel = encodeId('ch', removal.channelId);
      try {
        if (removal.type === 'telegram') await unregisterTelegram(removal);
      } catch (caught) {
        const error = asPlatformError(caught, removal.type);
        const delay = REMOVAL_RETRY_DELAYS_SECONDS[removal.attempts];
        if (!error.credentialsRejected && delay !== undefined) {
          logger.warn({ channel, err: error.message }, 'removing a deleted channel at its platform failed');
          await repo.postponeRemoval(db.orm, removal.id, {
            attempts: removal.attempts + 1,
            lastError: error.message,
            nextAttemptAt: new Date(Date.now() + Math.max(delay, error.retryAfter ?? 0) * 1000),
          });
          return;
        }
        if (!error.credentialsRejected) {
          logger.error({ channel, err: error.message }, 'gave up removing a deleted channel at its platform');
        }
      }
      await repo.deleteRemoval(db.orm, removal.id);
    },

    /**
     * Deletes channel deliveries older than the event log's retention period, but for work still
     * pending, and Mailgun tokens claimed over a day ago. Platforms redeliver within minutes or
     * hours and Mailgun's signatures expire after five minutes, so forgetting a 30-day-old
     * platform id, or a day-old token, lets no duplicate or replay through.
     */
    async purgeExpired(): Promise<number> {
      const cutoff = new Date(now().getTime() - CHANNEL_EVENT_RETENTION_DAYS * 86_400_000);
      const boundary = uuidv7Floor(cutoff);
      let total = await repo.deleteInboundTokensBefore(
        db.orm,
        new Date(now().getTime() - INBOUND_TOKEN_RETENTION_MS),
      );
      for (;;) {
        const removed = await repo.deleteDeliveriesBefore(db.orm, boundary, PURGE_BATCH);
        total += removed;
        if (removed < PURGE_BATCH) return total;
      }
    },
  };
}

export type ChannelCleanup = ReturnType<typeof createChannelCleanup>;

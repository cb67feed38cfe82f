// What each job of the catalog does, wired to the services of one context.
import { deleteExpired } from '../http/idempotency-repository.ts';
import type { JobHandlers } from '../jobs/queue.ts';
import type { Context } from './context.ts';

export function jobHandlers(context: Context): JobHandlers {
  const { db, logger } = context;
  return {
    'maintenance-purge-idempotency-keys': async () => {
      const removed = await deleteExpired(db.orm);
      if (removed > 0) logger.info({ removed }, 'purged expired idempotency keys');
    },
    'source-ingest': async (data: { sourceId: string; resync?: boolean; allowRemovals?: boolean }) => {
      await context.ingest.run(data);
    },
    'sources-sweep': async () => {
      await context.ingest.sweep();
    },
    'embeddings-backfill': async () => {
      await context.embeddingBackfill.run();
    },
    'chatbots-purge': async () => {
      const purged = await context.chatbots.purgeDeleted();
      if (purged > 0) logger.info({ purged }, 'purged deleted chatbots');
    },
    'webhook-deliver': async (data: { webhookId: string }) => {
      await context.webhookDelivery.deliverDue(data.webhookId);
    },
    'webhooks-pump': async () => {
      await context.webhookDelivery.dispatch();
      await context.webhookDelivery.sweep();
    },
    'channel-work': async (data: { channelId: string }) => {
      await context.channelWorker.work(data.channelId);
    },
    'channels-dispatch': async () => {
      await context.channelWorker.dispatch();
      await context.channelCleanup.dispatch();
    },
    'channel-unregister': async (data: { removalId: string }) => {
      await context.channelCleanup.unregister(data.removalId);
    },
    'channels-purge': async () => {
      const purged = await context.channelCleanup.purgeExpired();
      if (purged > 0) logger.info({ purged }, 'purged channel deliveries past retention');
    },
    'channels-poll': async () => {
      await context.channelWorker.poll();
    },
    'agent-loop-run': async (data: { executionId: string }) => {
      await context.loopRunner.run(data.executionId);
    },
    'agent-loops-schedule': async () => {
      await context.loopTriggers.tick();
    },
    'presence-sweep': async () => {
      await context.presence.sweep();
    },
    'person-notices-dispatch': async () => {
      await context.noticeMail.dispatch();
    },
    'person-notice-mail': async (data: { noticeId: string }) => {
      await context.noticeMail.mail(data.noticeId);
    },
    'events-purge': async () => {
      const purged = await context.events.purgeExpired();
      if (purged > 0) logger.info({ purged }, 'purged events past retention');
    },
  };
}

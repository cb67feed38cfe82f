// Opens the database and builds every service once, from the config. The server, the worker
// and the CLI all start from here; tests build the same context on their own database.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { secureDataDir } from '../db/data-dir.ts';
import { type MigrationResult, runMigrations } from '../db/migrate.ts';
import { createRateLimiter } from '../http/rate-limit.ts';
import { startQueue } from '../jobs/queue.ts';
import { createSafeFetch } from '../lib/safe-fetch.ts';
import { createSecretBox } from '../lib/secret-box.ts';
import { createAgentLoopService } from '../modules/agent-loops/agent-loop-service.ts';
import { createLoopRunner } from '../modules/agent-loops/loop-runner.ts';
import { createLoopTriggers } from '../modules/agent-loops/loop-triggers.ts';
import { createChannelCleanup } from '../modules/channels/channel-cleanup.ts';
import { createChannelConnector } from '../modules/channels/channel-connect.ts';
import { queueStaffMessage } from '../modules/channels/channel-outbox.ts';
import { queueRatingRequest } from '../modules/channels/channel-rating.ts';
import { createChannelSender } from '../modules/channels/channel-sender.ts';
import { createChannelService } from '../modules/channels/channel-service.ts';
import { createChannelWorker } from '../modules/channels/channel-worker.ts';
import { createMailer } from '../modules/channels/email.ts';
import { createSlackClient } from '../modules/channels/slack.ts';
import { createTelegramClient } from '../modules/channels/telegram.ts';
import { createWhatsAppClient } from '../modules/channels/whatsapp.ts';
import { createChatService } from '../modules/chat/chat-service.ts';
import { createChatbotService } from '../modules/chatbots/chatbot-service.ts';
import { createAssignmentService } from '../modules/conversations/conversation-assignment.ts';
import { createHandoffService } from '../modules/conversations/conversation-handoff.ts';
import { createConversationHub } from '../modules/conversations/conversation-live.ts';
import { createConversationService } from '../modules/conversations/conversation-service.ts';
import { REPO_ROOT } from '../modules/demo/demo-docs.ts';
import { createDemoService } from '../modules/demo/demo-service.ts';
import { createEventService } from '../modules/events/event-service.ts';
import { createInboxService } from '../modules/inbox/inbox-service.ts';
import { createNoticeMail } from '../modules/inbox/notice-mail.ts';
import { createPresence } from '../modules/inbox/presence.ts';
import { createIntegrationService } from '../modules/integrations/integration-service.ts';
import { createLeadService } from '../modules/leads/lead-service.ts';
import { providersFromConfig } from '../modules/providers/provider-setup.ts';
import { createRetrievalService } from '../modules/retrieval/retrieval-service.ts';
import { createDocumentPool } from '../modules/sources/document-pool.ts';
import { createEmbeddingBackfill } from '../modules/sources/embedding-backfill.ts';
import { createSourceIngest } from '../modules/sources/source-ingest.ts';
import { createSourceService } from '../modules/sources/source-service.ts';
import { createUsageService } from '../modules/usage/usage-service.ts';
import { createSessionService } from '../modules/users/session-service.ts';
import { createPeopleMailer } from '../modules/users/user-mail.ts';
import { createUserService } from '../modules/users/user-service.ts';
import { createWebhookDelivery } from '../modules/webhooks/webhook-delivery.ts';
import { createWebhookService } from '../modules/webhooks/webhook-service.ts';
import { createConversationTokens } from '../modules/widget/conversation-token.ts';
import { createWidgetService } from '../modules/widget/widget-service.ts';
import { createApiKeyService } from '../modules/workspaces/api-key-service.ts';
import { createWorkspaceService } from '../modules/workspaces/workspace-service.ts';
import type { Context } from './context-types.ts';
import { connectRedis } from './redis.ts';
import { resolveSecretKey } from './secret-key.ts';

export type { Context } from './context-types.ts';

export async function createContext(
  config: Config,
  logger: Logger,
  options: { pgliteDir?: string; pgliteTemplate?: string } = {},
): Promise<Context> {
  const pgliteDir = options.pgliteDir ?? `${config.dataDir}/pgdata`;
  const onDisk = !config.databaseUrl && !pgliteDir.startsWith('memory://');
  if (onDisk) secureDataDir(config.dataDir, logger);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir,
    pgliteTemplate: options.pgliteTemplate,
    logger,
  });
  try {
    const migrations = await runMigrations(db);
    if (onDisk) secureDataDir(config.dataDir, logger, { quiet: true });
    if (!migrations.vector) {
      logger.info(
        { reason: migrations.vectorError },
        'pgvector is not available: vector search is off, full-text search works',
      );
    }
    const context = await buildContext(config, logger, db, migrations);
    const closeServices = context.close;
    context.close = async () => {
      await closeServices();
      await db.close();
    };
    return context;
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

/**
 * Builds the services of one node on an open, migrated database. Closing the context stops
 * the node's services but leaves the database open: several nodes may share one handle.
 */
export async function buildContext(
  config: Config,
  logger: Logger,
  db: Database,
  migrations: MigrationResult,
): Promise<Context> {
  let redis: Redis | null = null;
  if (config.redisUrl) {
    redis = await connectRedis(config.redisUrl, logger);
  }
  const apiKeys = createApiKeyService({
    db,
    logger,
    plans: config.plans,
    maxActiveApiKeys: config.maxActiveApiKeys,
    cacheTtlSeconds: config.apiKeyCacheTtlSeconds,
  });
  await apiKeys.start();
  const workspaces = createWorkspaceService({ db, plans: config.plans, apiKeys });
  // A person coming online (or given room) lets automatic assignment give out more, in both
  // environments of the workspace.
  const users = createUserService({
    db,
    onAvailable: (workspaceId) =>
      assignment.rerun([
        { workspaceId, environment: 'live' },
        { workspaceId, environment: 'test' },
      ]),
  });
  const assignment = createAssignmentService({
    db,
    logger,
    findPerson: (workspaceId, userId) => users.get(workspaceId, userId).catch(() => null),
  });
  const sessions = createSessionService({ db, plans: config.plans, logger });
  await sessions.listen();
  const queue = await startQueue({ db, logger, schema: config.jobSchema });
  const secretKey = resolveSecretKey(config.secretKey, config.dataDir, logger);
  const secretBox = createSecretBox(secretKey);
  // Crawling trusts nothing: a tenant chooses the URLs.
  const safeFetch = createSafeFetch({ allowPrivateNetwork: config.allowPrivateNetwork });
  const providers = providersFromConfig(config, logger, migrations.vector);
  // A deleted chatbot's channels go in the transaction that deletes it.
  const chatbots = createChatbotService({
    db,
    jobs: queue,
    onRemove: (tx, scope, id) => channels.removeOfChatbot(tx, scope, id),
  });
  const integrations = createIntegrationService({
    db,
    secretBox,
    chatbots,
    providers,
    providerDefaults: config.providerDefaults,
  });
  const sources = createSourceService({ db, jobs: queue, chatbots });
  const documents = createDocumentPool();
  const ingest = createSourceIngest({
    db,
    logger,
    jobs: queue,
    chatbots,
    integrations,
    providers,
    vectorEnabled: migrations.vector,
    fetch: safeFetch,
    fetchTimeoutMs: 15_000,
    maxBytes: config.maxUploadBytes,
    perHostConcurrency: config.crawlConcurrencyPerHost,
    documents,
  });
  const retrieval = createRetrievalService({ db, integrations, providers, vectorEnabled: migrations.vector });
  const embeddingBackfill = createEmbeddingBackfill({
    db,
    logger,
    integrations,
    providers,
    vectorEnabled: migrations.vector,
  });
  const conversations = createConversationService({ db });
  const conversationHub = createConversationHub({ db, logger });
  await conversationHub.start();
  const handoff = createHandoffService({
    db,
    chatbots,
    conversations,
    onStaffMessage: queueStaffMessage,
    onResolved: queueRatingRequest,
    onChannelQueued: (channelId) => queue.send('channel-work', { channelId }, { singletonKey: channelId }),
    onQueueChanged: (scope) => assignment.rerun([scope]),
  });
  const inbox = createInboxService({ db, conversations, users });
  const presence = createPresence({ db, logger, assignment, settings: config.presence });
  const noticeMail = createNoticeMail({
    db,
    logger,
    jobs: queue,
    conversations,
    mailer: createPeopleMailer(config.mail, logger),
    baseUrl:
      config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
  });
  const leads = createLeadService({ db, chatbots, conversations });
  const usage = createUsageService({ db });
  const chat = createChatService({
    db,
    logger,
    chatbots,
    integrations,
    providers,
    retrieval,
    conversations,
    handoff,
    leads,
    usage,
    maxMessageChars: config.maxMessageChars,
  });
  const events = createEventService({ db });
  const webhookDelivery = createWebhookDelivery({
    db,
    logger,
    jobs: queue,
    secretBox,
    // Its own guard, without the trusted hosts of providers: an endpoint is never trusted.
    // Idle connections are dropped well before receivers' usual 5 s, so few are found closed.
    fetch: createSafeFetch({ allowPrivateNetwork: config.allowPrivateNetwork, keepAliveTimeoutMs: 2000 }),
    retryDelaysSeconds: config.webhookRetryDelaysSeconds,
  });
  const webhooks = createWebhookService({
    db,
    secretBox,
    delivery: webhookDelivery,
    allowPrivateNetwork: config.allowPrivateNetwork,
  });
  const widget = createWidgetService({
    db,
    secretBox,
    tokens: createConversationTokens(secretKey),
    plans: config.plans,
    chat,
    conversations,
    handoff,
    leads,
  });
  // Platforms' API URLs are the operator's settings, not a tenant's: no private-network guard.
  // A custom channel's URL is a tenant's: guarded like webhook endpoints.
  const telegram = createTelegramClient({ apiUrl: config.telegramApiUrl });
  const slack = createSlackClient({ apiUrl: config.slackApiUrl });
  const whatsapp = createWhatsAppClient({ apiUrl: config.whatsappApiUrl });
  const mailer = createMailer();
  const channelSender = createChannelSender({
    db,
    secretBox,
    telegram,
    slack,
    whatsapp,
    mailer,
    fetch: createSafeFetch({ allowPrivateNetwork: config.allowPrivateNetwork }),
  });
  const channelCleanup = createChannelCleanup({ db, logger, secretBox, telegram, jobs: queue });
  const channels = createChannelService({
    db,
    secretBox,
    chatbots,
    telegram,
    slack,
    whatsapp,
    mailer,
    connector: createChannelConnector({
      secretBox,
      telegram,
      slack,
      whatsapp,
      mailer,
      publicUrl: config.publicUrl,
      allowPrivateNetwork: config.allowPrivateNetwork,
    }),
    sender: channelSender,
    cleanup: channelCleanup,
    jobs: queue,
    publicUrl: config.publicUrl,
  });
  const channelWorker = createChannelWorker({
    db,
    logger,
    jobs: queue,
    telegram,
    sender: channelSender,
    channels,
    chat,
    conversations,
    plans: config.plans,
    pollTimeoutSeconds: config.telegramPollTimeoutSeconds,
    webhookRetryDelaysSeconds: config.webhookRetryDelaysSeconds,
    maxMessageChars: config.maxMessageChars,
  });
  const agentLoops = createAgentLoopService({ db, secretBox, jobs: queue, chatbots, integrations });
  const loopRunner = createLoopRunner({
    db,
    logger,
    secretBox,
    integrations,
    providers,
    // A tenant chooses the URLs: guarded like crawling.
    tools: { db, chatbots, retrieval, conversations, handoff, leads, inbox, fetch: safeFetch },
  });
  const loopTriggers = createLoopTriggers({ db, agentLoops });
  const demo = createDemoService({
    db,
    logger,
    chatbots,
    sources,
    enabled: config.demo,
    docsRoot: REPO_ROOT,
  });
  return {
    config,
    logger,
    db,
    redis,
    migrations,
    secretBox,
    apiKeys,
    workspaces,
    users,
    sessions,
    rateLimiter: createRateLimiter({ redis, logger }),
    queue,
    safeFetch,
    providers,
    chatbots,
    integrations,
    sources,
    documents,
    ingest,
    retrieval,
    embeddingBackfill,
    conversations,
    conversationHub,
    handoff,
    assignment,
    inbox,
    presence,
    noticeMail,
    leads,
    usage,
    chat,
    events,
    webhooks,
    webhookDelivery,
    demo,
    widget,
    channels,
    channelWorker,
    channelCleanup,
    agentLoops,
    loopRunner,
    loopTriggers,
    async close() {
      // First: an ingestion in the middle of a document stops now (its job runs again later),
      // so stopping the workers below does not wait for it.
      await documents.close();
      webhookDelivery.stop();
      channelWorker.stop();
      await queue.stop();
      await apiKeys.stop();
      await sessions.close();
      await conversationHub.stop();
      if (redis) redis.disconnect();
    },
  };
}

// Builds the Fastify app from its parts. No I/O here beyond what the parts are given.
import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Config } from './config.ts';
import { withAccess } from './http/access.ts';
import { decorateAuth, registerAuth } from './http/auth.ts';
import { trackConnections } from './http/connections.ts';
import { registerErrorHandling, sendFrameworkError } from './http/error-handler.ts';
import { healthRoutes } from './http/health-routes.ts';
import { registerIdempotency } from './http/idempotency.ts';
import { refuseUnexpectedBodies, registerJsonBody } from './http/json-body.ts';
import { registerOpenApi } from './http/openapi.ts';
import { refuseUnknownQueryParameters } from './http/query-params.ts';
import { endEventStreams } from './http/sse.ts';
import { brokenQueryString, registerValidation } from './http/validation.ts';
import { loggablePath } from './lib/logger.ts';
import { agentLoopRoutes } from './modules/agent-loops/agent-loop-routes.ts';
import { analyticsRoutes } from './modules/analytics/analytics-routes.ts';
import { channelHookRoutes } from './modules/channels/channel-hook-routes.ts';
import { channelRoutes } from './modules/channels/channel-routes.ts';
import { chatRoutes } from './modules/chat/chat-routes.ts';
import { chatbotRoutes } from './modules/chatbots/chatbot-routes.ts';
import { compatRoutes } from './modules/compat/compat-routes.ts';
import { consoleRoute } from './modules/console/console-route.ts';
import { conversationRoutes } from './modules/conversations/conversation-routes.ts';
import { demoRoutes } from './modules/demo/demo-routes.ts';
import { eventRoutes } from './modules/events/event-routes.ts';
import { csatRoutes } from './modules/inbox/csat-routes.ts';
import { inboxRoutes } from './modules/inbox/inbox-routes.ts';
import { notificationRoutes } from './modules/inbox/notification-routes.ts';
import { receiptRoutes } from './modules/inbox/receipt-routes.ts';
import { typingRoutes } from './modules/inbox/typing-routes.ts';
import { integrationRoutes } from './modules/integrations/integration-routes.ts';
import { leadRoutes } from './modules/leads/lead-routes.ts';
import { retrievalRoutes } from './modules/retrieval/retrieval-routes.ts';
import { sourceExportRoutes } from './modules/sources/source-export-routes.ts';
import { sourceRoutes } from './modules/sources/source-routes.ts';
import { usageRoutes } from './modules/usage/usage-routes.ts';
import { sessionPublicRoutes, sessionRoutes } from './modules/users/session-routes.ts';
import { createPeopleMailer } from './modules/users/user-mail.ts';
import { userRoutes } from './modules/users/user-routes.ts';
import { webhookRoutes } from './modules/webhooks/webhook-routes.ts';
import { identityRoutes } from './modules/widget/identity-routes.ts';
import { widgetPublicRoutes } from './modules/widget/widget-public-routes.ts';
import { widgetScriptRoute } from './modules/widget/widget-script.ts';
import { workspaceRoutes } from './modules/workspaces/workspace-routes.ts';
import type { Context } from './runtime/context-types.ts';
import { PARLEY_VERSION } from './version.ts';

/** What the HTTP app uses of the context: its services, and the settings requests need. */
export type AppDeps = Pick<
  Context,
  | 'db'
  | 'secretBox'
  | 'logger'
  | 'apiKeys'
  | 'rateLimiter'
  | 'redis'
  | 'chatbots'
  | 'integrations'
  | 'sources'
  | 'retrieval'
  | 'embeddingBackfill'
  | 'chat'
  | 'conversations'
  | 'conversationHub'
  | 'handoff'
  | 'assignment'
  | 'inbox'
  | 'presence'
  | 'leads'
  | 'usage'
  | 'events'
  | 'webhooks'
  | 'demo'
  | 'widget'
  | 'channels'
  | 'agentLoops'
  | 'users'
  | 'sessions'
> & {
  config: Pick<
    Config,
    'maxUploadBytes' | 'publicRateLimits' | 'trustProxy' | 'publicUrl' | 'mail' | 'idempotencyStaleSeconds'
  >;
};

// Request ids: a random per-process prefix and a counter; unique across nodes and restarts
// without a random draw per request.
const REQUEST_ID_PREFIX = randomBytes(8).toString('hex');
let requestCounter = 0;
function nextRequestId(): string {
  requestCounter += 1;
  return `req_${REQUEST_ID_PREFIX}${requestCounter.toString(16).padStart(8, '0')}`;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: nextRequestId,
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    // Lets SIGTERM finish in-flight requests while refusing new ones.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    trustProxy: deps.config.trustProxy,
    frameworkErrors: sendFrameworkError,
  });

  // Callback hooks, not async ones: they never wait, and a promise per hook costs every request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done(brokenQueryString(request.url));
  });
  // One log line per request, after the response, with the request id.
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: loggablePath(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    done();
  });

  // Live event streams never end by themselves: end them when the server stops taking requests,
  // so a graceful shutdown does not wait for them (clients reconnect to another node).
  const connections = trackConnections(app.server);
  app.addHook('preClose', async () => {
    endEventStreams(app.server);
    connections.drain();
  });
  registerErrorHandling(app);
  registerValidation(app);
  registerJsonBody(app);
  await app.register(multipart, {
    limits: { fileSize: deps.config.maxUploadBytes, files: 1, fields: 10 },
    throwFileSizeLimit: true,
  });
  decorateAuth(app);
  await app.register(cookie);
  await registerOpenApi(app, PARLEY_VERSION);
  await app.register(healthRoutes({ db: deps.db, redis: deps.redis }));
  await app.register(demoRoutes(deps));
  await app.register(widgetScriptRoute());
  await app.register(consoleRoute());
  // The widget's API: no key; the bot's allowed origins and per-visitor limits guard it.
  await app.register(widgetPublicRoutes({ ...deps, publicLimits: deps.config.publicRateLimits }));
  // Messaging platforms' webhooks: no key; each channel's own secret guards it.
  await app.register(channelHookRoutes(deps));
  // The seed products' APIs (/compat/<seed>/…): API keys, each seed's limits and error shapes.
  await app.register(compatRoutes(deps));

  // Signing in: no key or session yet, limited per client address.
  await app.register(sessionPublicRoutes(deps));

  // Everything else under /v1 (but the OpenAPI document) needs a key or a person's session, is
  // rate limited and idempotent. Keys may call every route of their environment; a session only
  // the routes its role may (http/access.ts), as stated here per module.
  await app.register(async (v1) => {
    registerAuth(v1, { apiKeys: deps.apiKeys, rateLimiter: deps.rateLimiter, sessions: deps.sessions });
    registerIdempotency(v1, deps.db, deps.secretBox, { staleSeconds: deps.config.idempotencyStaleSeconds });
    refuseUnexpectedBodies(v1);
    refuseUnknownQueryParameters(v1);
    const userDeps = {
      ...deps,
      publicUrl: deps.config.publicUrl,
      mailer: createPeopleMailer(deps.config.mail, deps.logger),
    };
    await v1.register(
      withAccess(workspaceRoutes({ apiKeys: deps.apiKeys }), {
        read: 'agent',
        write: 'admin',
        routes: { listApiKeys: 'admin' },
      }),
    );
    await v1.register(userRoutes(userDeps));
    await v1.register(sessionRoutes(deps));
    await v1.register(withAccess(chatbotRoutes(deps), { read: 'agent', write: 'admin' }));
    await v1.register(withAccess(integrationRoutes(deps), { read: 'admin', write: 'admin' }));
    await v1.register(withAccess(sourceRoutes(deps), { read: 'agent', write: 'admin' }));
    await v1.register(
      withAccess(sourceExportRoutes(deps), {
        read: 'agent',
        write: 'admin',
        routes: { exportKnowledge: 'admin' },
      }),
    );
    await v1.register(withAccess(retrievalRoutes(deps), { read: 'agent', write: 'agent' }));
    await v1.register(withAccess(chatRoutes(deps), { read: 'agent', write: 'agent' }));
    await v1.register(
      withAccess(conversationRoutes(deps), {
        read: 'agent',
        write: 'agent',
        routes: { exportConversations: 'admin', deleteConversation: 'admin' },
      }),
    );
    await v1.register(inboxRoutes(deps));
    await v1.register(csatRoutes(deps));
    await v1.register(receiptRoutes(deps));
    await v1.register(typingRoutes(deps));
    await v1.register(notificationRoutes(deps));
    await v1.register(withAccess(usageRoutes(deps), { read: 'admin', write: 'admin' }));
    await v1.register(withAccess(analyticsRoutes(deps), { read: 'admin', write: 'admin' }));
    await v1.register(
      withAccess(leadRoutes(deps), { read: 'agent', write: 'admin', routes: { exportLeads: 'admin' } }),
    );
    await v1.register(withAccess(webhookRoutes(deps), { read: 'admin', write: 'admin' }));
    await v1.register(withAccess(eventRoutes(deps), { read: 'admin', write: 'admin' }));
    await v1.register(withAccess(identityRoutes(deps), { read: 'admin', write: 'admin' }));
    await v1.register(withAccess(channelRoutes(deps), { read: 'admin', write: 'admin' }));
    await v1.register(withAccess(agentLoopRoutes(deps), { read: 'agent', write: 'admin' }));
  });

  return app;
}

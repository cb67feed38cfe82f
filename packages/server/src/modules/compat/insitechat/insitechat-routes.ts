// InsiteChat's API (seeds 000, 001) at /compat/insitechat/api/v1, on Parley's services.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf, scopeOf } from '../../../http/auth.ts';
import { encodeId } from '../../../lib/ids.ts';
import type { ChatService } from '../../chat/chat-service.ts';
import type { ChatbotService } from '../../chatbots/chatbot-service.ts';
import type { IntegrationService } from '../../integrations/integration-service.ts';
import type { SourceService } from '../../sources/source-service.ts';
import type { WebhookService } from '../../webhooks/webhook-service.ts';
import { parseBareUuid, rewriteIds } from '../compat-ids.ts';
import { allRows } from '../compat-pages.ts';
import { presentWithProviders } from '../compat-providers.ts';
import { type CompatDeps, type CompatSeed, registerCompatScope, shortNotFound } from '../compat-scope.ts';
import {
  ChatBody,
  ChatbotDetail,
  ChatbotParams,
  ChatbotSummary,
  ChatResponse,
  CreatedWebhookResponse,
  CreateWebhookBody,
  DeletedResponse,
  presentDetail,
  presentHumanTurn,
  presentReply,
  presentSource,
  presentSummary,
  presentWebhook,
  SourceResponse,
  WebhookParams,
  WebhookResponse,
} from './insitechat-schemas.ts';

export const INSITECHAT_BASE = '/compat/insitechat/api';
/** The seed's limit: 60 requests a minute per key (lower when the workspace's plan allows fewer). */
const PER_MINUTE = 60;
const QUOTA_DETAIL = 'Monthly message limit reached.';

const bare = (uuid: string) => uuid;
const BARE_IDS = { bot: bare, conv: bare, msg: bare, src: bare, wh: bare };

export const insiteChatSeed: CompatSeed = {
  basePath: INSITECHAT_BASE,
  errorSchema: Type.Object({ detail: Type.String() }, { description: 'Every error: what went wrong.' }),
  keyExample: 'ic_…',
  // The seed's table: 200, 400, 401, 404, 429, 500 ("branch on the HTTP status code").
  statuses: { client: [400, 401, 404, 429], server: [500] },
  rate: {
    perMinute: (principal) => Math.min(PER_MINUTE, principal.limits.requests_per_minute ?? PER_MINUTE),
    limitHeaders: false,
    retryAfter: false, // documented: "There is no Retry-After header today"
    message: (limit) => `API rate limit exceeded. Max ${limit} requests per minute.`,
  },
  formatError(error) {
    let detail: string;
    if (error.type === 'quota_exceeded_error') detail = QUOTA_DETAIL;
    else if (error.code === 'resource_not_found') detail = shortNotFound(error);
    else detail = rewriteIds(error.message, BARE_IDS);
    return { status: error.status, body: { detail } };
  },
};

export function insiteChatRoutes(
  deps: CompatDeps & {
    chatbots: ChatbotService;
    integrations: IntegrationService;
    chat: ChatService;
    sources: SourceService;
    webhooks: WebhookService;
  },
) {
  return async function register(instance: FastifyInstance): Promise<void> {
    registerCompatScope(instance, deps, insiteChatSeed, 'insitechat');
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['InsiteChat'];

    app.get(
      '/v1/chatbots',
      {
        schema: {
          operationId: 'listChatbots',
          tags,
          description:
            "Every chatbot of the key's workspace and environment (deleted ones excluded), newest first.",
          response: { 200: Type.Array(ChatbotSummary) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const rows = await allRows((page) => deps.chatbots.list(scope, page));
        return presentWithProviders(deps.integrations, scope, rows, presentSummary);
      },
    );

    app.get(
      '/v1/chatbots/:chatbot_id',
      {
        schema: { operationId: 'getChatbot', tags, params: ChatbotParams, response: { 200: ChatbotDetail } },
      },
      async (request) => {
        const scope = scopeOf(request);
        const row = await deps.chatbots.get(scope, parseBareUuid(request.params.chatbot_id, 'chatbot'));
        const [detail] = await presentWithProviders(deps.integrations, scope, [row], presentDetail);
        return detail!;
      },
    );

    app.post(
      '/v1/chatbots/:chatbot_id/chat',
      {
        schema: {
          operationId: 'chat',
          tags,
          description:
            'Sends a message and answers from the chatbot’s knowledge. Counts against the monthly message quota (429 "Monthly message limit reached." when it is used up).',
          params: ChatbotParams,
          body: ChatBody,
          response: { 200: ChatResponse },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const botId = parseBareUuid(request.params.chatbot_id, 'chatbot');
        const { message, conversation_id } = request.body;
        const conversationId = conversation_id
          ? encodeId('conv', parseBareUuid(conversation_id, 'conversation'))
          : undefined;
        const turn = await deps.chat.prepare(scope, principalOf(request).limits, botId, {
          message,
          ...(conversationId ? { conversation_id: conversationId } : {}),
        });
        if (turn.mode === 'human') return presentHumanTurn(turn);
        return presentReply(await deps.chat.answer(turn));
      },
    );

    app.get(
      '/v1/chatbots/:chatbot_id/sources',
      {
        schema: {
          operationId: 'listSources',
          tags,
          description: 'The training sources of a chatbot, newest first.',
          params: ChatbotParams,
          response: { 200: Type.Array(SourceResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const botId = parseBareUuid(request.params.chatbot_id, 'chatbot');
        const rows = await allRows((page) => deps.sources.list(scope, botId, page));
        return rows.map(presentSource);
      },
    );

    app.get(
      '/v1/webhooks',
      {
        schema: {
          operationId: 'listWebhooks',
          tags,
          response: { 200: Type.Array(WebhookResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const rows = await allRows((page) => deps.webhooks.list(scope, page));
        return rows.map(presentWebhook);
      },
    );

    app.post(
      '/v1/webhooks',
      {
        schema: {
          operationId: 'createWebhook',
          tags,
          description:
            'Subscribes a URL to events: lead.captured, message.received, conversation.started, conversation.escalated.',
          body: CreateWebhookBody,
          response: { 200: CreatedWebhookResponse },
        },
      },
      async (request) => {
        const { url, events } = request.body;
        // InsiteChat shows ids as bare UUIDs: its webhooks' payloads carry them so too.
        const { webhook, secret } = await deps.webhooks.create(scopeOf(request), {
          url,
          events: [...events],
          id_format: 'uuid',
        });
        return { ...presentWebhook(webhook), secret };
      },
    );

    app.delete(
      '/v1/webhooks/:webhook_id',
      {
        schema: {
          operationId: 'deleteWebhook',
          tags,
          params: WebhookParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        const id = parseBareUuid(request.params.webhook_id, 'webhook');
        await deps.webhooks.remove(scopeOf(request), id);
        return { id, deleted: true as const };
      },
    );
  };
}

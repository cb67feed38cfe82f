// SiteGist's API (seed 002) at /compat/sitegist/api/v1, on Parley's services.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { principalOf, scopeOf } from '../../../http/auth.ts';
import { encodeId } from '../../../lib/ids.ts';
import type { ChatService } from '../../chat/chat-service.ts';
import type { ChatbotService } from '../../chatbots/chatbot-service.ts';
import type { ConversationService } from '../../conversations/conversation-service.ts';
import { parsePrefixedId, prefixedId, rewriteIds } from '../compat-ids.ts';
import { allRows } from '../compat-pages.ts';
import { humanTurnText, replyText } from '../compat-replies.ts';
import { type CompatDeps, type CompatSeed, registerCompatScope, shortNotFound } from '../compat-scope.ts';
import {
  CHATBOT_PREFIX,
  ChatBody,
  ChatbotItem,
  ChatResponse,
  ConversationItem,
  ConversationsQuery,
  presentChatbot,
  presentConversation,
  SESSION_PREFIX,
} from './sitegist-schemas.ts';

export const SITEGIST_BASE = '/compat/sitegist/api';
const PER_MINUTE = 120;
/** "List recent conversations (latest 100)." */
const CONVERSATIONS_LISTED = 100;

const IDS = {
  bot: (uuid: string) => prefixedId(CHATBOT_PREFIX, uuid),
  conv: (uuid: string) => prefixedId(SESSION_PREFIX, uuid),
};

/** The session of a chat whose answer failed after its message was stored. */
const failedSessions = new WeakMap<FastifyRequest, string>();

/** Whether the chat request left out a field, or sent it empty or blank: the seed's "required". */
function lacks(request: FastifyRequest, field: string): boolean {
  const value = (request.body as Record<string, unknown> | null | undefined)?.[field];
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

export const siteGistSeed: CompatSeed = {
  basePath: SITEGIST_BASE,
  errorSchema: Type.Object(
    {
      error: Type.String(),
      sessionId: Type.Optional(
        Type.String({ description: 'On a failed answer (502): the session the message was stored in.' }),
      ),
    },
    { description: 'Every error: what went wrong.' },
  ),
  keyExample: 'sk_live_…',
  // The seed's table: 400, 401, 404, 429, 502 (a failed answer); a server error is a 500.
  statuses: { client: [400, 401, 404, 429], server: [500, 502] },
  rate: {
    perMinute: (principal) => Math.min(PER_MINUTE, principal.limits.requests_per_minute ?? PER_MINUTE),
    limitHeaders: false,
    retryAfter: true,
    message: (limit, decision) =>
      `Rate limit exceeded: ${limit} requests per minute. Retry after ${decision.retryAfterSeconds} seconds.`,
  },
  formatError(error, request) {
    let message: string;
    if (
      error.status === 400 &&
      (error.param === 'chatbotId' || error.param === 'message') &&
      lacks(request, error.param)
    ) {
      message = 'chatbotId and message are required.'; // the seed's own words
    } else if (error.type === 'quota_exceeded_error') {
      message = 'Monthly message limit reached.';
    } else if (error.type === 'provider_error') {
      message = `Answer generation failed: ${error.message}`;
    } else if (error.code === 'resource_not_found') {
      message = shortNotFound(error).replace(/^Conversation /, 'Session ');
    } else {
      message = rewriteIds(error.message, IDS);
    }
    const sessionId = failedSessions.get(request);
    return { status: error.status, body: sessionId ? { error: message, sessionId } : { error: message } };
  },
};

export function siteGistRoutes(
  deps: CompatDeps & { chatbots: ChatbotService; chat: ChatService; conversations: ConversationService },
) {
  return async function register(instance: FastifyInstance): Promise<void> {
    registerCompatScope(instance, deps, siteGistSeed, 'sitegist');
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['SiteGist'];

    app.post(
      '/v1/chat',
      {
        schema: {
          operationId: 'chat',
          tags,
          description:
            'Sends a message and answers from the chatbot’s knowledge; the conversation is stored. 502 when the AI provider fails.',
          body: ChatBody,
          response: { 200: ChatResponse },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const { chatbotId, message, sessionId } = request.body;
        const botId = parsePrefixedId(CHATBOT_PREFIX, chatbotId, 'chatbotId', 'chatbot');
        const conversationId = sessionId
          ? encodeId('conv', parsePrefixedId(SESSION_PREFIX, sessionId, 'sessionId', 'conversation'))
          : undefined;
        const turn = await deps.chat.prepare(scope, principalOf(request).limits, botId, {
          message,
          ...(conversationId ? { conversation_id: conversationId } : {}),
        });
        if (turn.mode === 'human') {
          return { sessionId: prefixedId(SESSION_PREFIX, turn.conversation.id), answer: humanTurnText(turn) };
        }
        // The visitor's message is stored before the answer is made: a failed answer still names
        // the session, so that the client retries in the same conversation.
        failedSessions.set(request, prefixedId(SESSION_PREFIX, turn.conversation.id));
        const reply = await deps.chat.answer(turn);
        return {
          sessionId: prefixedId(SESSION_PREFIX, reply.conversation.id),
          answer: replyText(reply),
        };
      },
    );

    app.get(
      '/v1/chatbots',
      {
        schema: {
          operationId: 'listChatbots',
          tags,
          description: 'The chatbots of the key’s workspace and environment, newest first.',
          response: { 200: Type.Object({ data: Type.Array(ChatbotItem) }) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const rows = await allRows((page) => deps.chatbots.list(scope, page));
        return { data: rows.map(presentChatbot) };
      },
    );

    app.get(
      '/v1/conversations',
      {
        schema: {
          operationId: 'listConversations',
          tags,
          description:
            'The latest 100 conversations (newest activity first), of one chatbot when chatbotId is given.',
          querystring: ConversationsQuery,
          response: { 200: Type.Object({ data: Type.Array(ConversationItem) }) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const { chatbotId } = request.query;
        const botId = chatbotId
          ? parsePrefixedId(CHATBOT_PREFIX, chatbotId, 'chatbotId', 'chatbot')
          : undefined;
        if (botId) await deps.chatbots.assertExists(scope, botId);
        const rows = await deps.conversations.list(scope, botId ? { chatbotId: botId } : {}, {
          limit: CONVERSATIONS_LISTED,
          after: null,
        });
        return { data: rows.map(presentConversation) };
      },
    );
  };
}

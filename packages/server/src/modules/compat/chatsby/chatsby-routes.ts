// Chatsby's API (seed 003) at /compat/chatsby/v1, on Parley's services.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../../../db/client.ts';
import { principalOf, scopeOf } from '../../../http/auth.ts';
import { registerIdempotency } from '../../../http/idempotency.ts';
import type { SecretBox } from '../../../lib/secret-box.ts';
import type { ChatService } from '../../chat/chat-service.ts';
import type { ChatbotService } from '../../chatbots/chatbot-service.ts';
import type { ConversationService } from '../../conversations/conversation-service.ts';
import type { IntegrationService } from '../../integrations/integration-service.ts';
import { parsePrefixedId, prefixedId, rewriteIds } from '../compat-ids.ts';
import { cursorId, encodeCursor } from '../compat-pages.ts';
import { presentWithProviders } from '../compat-providers.ts';
import { type CompatDeps, type CompatSeed, registerCompatScope } from '../compat-scope.ts';
import {
  AGENT_PREFIX,
  Agent,
  agentId,
  Conversation,
  ConversationReply,
  IdParams,
  Message,
  PageQuery,
  pageOf,
  presentAgent,
  presentConversation,
  presentHumanTurn,
  presentMessage,
  presentReply,
  SendMessageBody,
} from './chatsby-schemas.ts';

export const CHATSBY_BASE = '/compat/chatsby';

/** Parley's words for a chatbot, in Chatsby's: an agent. */
/**
 * Parley's words as Chatsby's: chatbots are agents, bot_… ids agent_…. An id the client sent
 * itself (in the path, the query or the body) is quoted as sent: "No agent found with id 'bot_…'" for a bot_ id, not
 * the agent_ id of an agent that exists.
 */
function inAgentWords(text: string, sent: Set<string> = new Set()): string {
  const quoted = [...sent].filter((id) => text.includes(id));
  let shown = text;
  quoted.forEach((id, i) => {
    shown = shown.replaceAll(id, `\u0000${i}\u0000`);
  });
  shown = rewriteIds(shown, { bot: agentId })
    .replace(/\bchatbot(s?)\b/g, 'agent$1')
    .replace(/\bChatbot(s?)\b/g, 'Agent$1');
  quoted.forEach((id, i) => {
    shown = shown.replaceAll(`\u0000${i}\u0000`, id);
  });
  return shown;
}

export const chatsbySeed: CompatSeed = {
  basePath: CHATSBY_BASE,
  errorSchema: Type.Object(
    {
      error: Type.Object({
        type: Type.String(),
        message: Type.String(),
        code: Type.String(),
        param: Type.Union([Type.String(), Type.Null()], { description: 'The offending field, when one is.' }),
        status: Type.Integer(),
      }),
    },
    { description: 'Every error has this shape.' },
  ),
  keyExample: 'chtb_live_…',
  rate: {
    // Chatsby's limits are per plan, like Parley's: the workspace's plan decides.
    perMinute: (principal) => principal.limits.requests_per_minute,
    limitHeaders: true,
    retryAfter: true,
    message: (limit, decision) =>
      `Rate limit exceeded: ${limit} requests per minute. Retry after ${decision.retryAfterSeconds} seconds.`,
  },
  formatError(error, request) {
    // Ids as the client sent them, in the path, the query or the body's fields.
    const sent = new Set(
      [request.params, request.query, request.body]
        .flatMap((part) => (part && typeof part === 'object' ? Object.values(part) : []))
        .filter((value): value is string => typeof value === 'string' && /^[a-z]+_\w+$/.test(value)),
    );
    const message =
      error.code === 'missing_required_field' && error.param
        ? `The '${error.param}' field is required.` // the seed's own wording
        : inAgentWords(error.message, sent);
    return {
      status: error.status,
      body: {
        error: {
          type: error.type,
          message,
          code: error.code.replace(/chatbot/g, 'agent'),
          param: error.param ?? null,
          status: error.status,
        },
      },
    };
  },
};

function pageSize(query: { page_size?: number }): number {
  return query.page_size ?? 20;
}

export function chatsbyRoutes(
  deps: CompatDeps & {
    db: Database;
    secretBox: SecretBox;
    chatbots: ChatbotService;
    integrations: IntegrationService;
    chat: ChatService;
    conversations: ConversationService;
  },
) {
  return async function register(instance: FastifyInstance): Promise<void> {
    registerCompatScope(instance, deps, chatsbySeed, 'chatsby');
    registerIdempotency(instance, deps.db, deps.secretBox);
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Chatsby'];

    app.get(
      '/v1/agents',
      {
        schema: {
          operationId: 'listAgents',
          tags,
          description: 'The agents (chatbots) of the key’s workspace and environment, newest first.',
          querystring: PageQuery,
          response: { 200: pageOf(Agent) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const size = pageSize(request.query);
        const beforeId = request.query.cursor ? cursorId(request.query.cursor, AGENT_PREFIX) : null;
        const rows = await deps.chatbots.list(scope, { limit: size + 1, beforeId });
        const page = rows.slice(0, size);
        const hasMore = rows.length > size;
        return {
          data: await presentWithProviders(deps.integrations, scope, page, presentAgent),
          has_more: hasMore,
          next_cursor: hasMore ? encodeCursor({ id: agentId(page.at(-1)!.id) }) : null,
        };
      },
    );

    app.get(
      '/v1/agents/:id',
      { schema: { operationId: 'getAgent', tags, params: IdParams, response: { 200: Agent } } },
      async (request) => {
        const scope = scopeOf(request);
        const row = await deps.chatbots.get(
          scope,
          parsePrefixedId(AGENT_PREFIX, request.params.id, 'id', 'chatbot'),
        );
        const [agent] = await presentWithProviders(deps.integrations, scope, [row], presentAgent);
        return agent!;
      },
    );

    app.post(
      '/v1/conversations',
      {
        schema: {
          operationId: 'sendMessage',
          tags,
          description:
            'Sends a message to an agent and answers from its knowledge, starting a conversation (or continuing `conversation_id`). Counts against the monthly message quota. Idempotency-Key supported.',
          body: SendMessageBody,
          response: { 200: ConversationReply },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const { agent_id, message, conversation_id } = request.body;
        const botId = parsePrefixedId(AGENT_PREFIX, agent_id, 'agent_id', 'chatbot');
        if (conversation_id) parsePrefixedId('conv', conversation_id, 'conversation_id', 'conversation');
        const turn = await deps.chat.prepare(scope, principalOf(request).limits, botId, {
          message,
          ...(conversation_id ? { conversation_id } : {}),
        });
        if (turn.mode === 'human') return presentHumanTurn(turn);
        return presentReply(await deps.chat.answer(turn));
      },
    );

    app.get(
      '/v1/conversations',
      {
        schema: {
          operationId: 'listConversations',
          tags,
          description: 'Conversations, newest activity first; of one agent with `agent_id`.',
          querystring: Type.Object({
            ...PageQuery.properties,
            agent_id: Type.Optional(Type.String({ maxLength: 100 })),
          }),
          response: { 200: pageOf(Conversation) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const size = pageSize(request.query);
        const { agent_id, cursor } = request.query;
        const chatbotId = agent_id
          ? parsePrefixedId(AGENT_PREFIX, agent_id, 'agent_id', 'chatbot')
          : undefined;
        // Newest created first: a conversation that gets a message while a client walks the pages
        // keeps its place, so the walk sees every conversation once.
        const beforeId = cursor ? cursorId(cursor, 'conv') : null;
        const rows = await deps.conversations.listByCreation(scope, chatbotId ? { chatbotId } : {}, {
          limit: size + 1,
          beforeId,
        });
        const page = rows.slice(0, size);
        const last = page.at(-1);
        const hasMore = rows.length > size;
        return {
          data: page.map(presentConversation),
          has_more: hasMore,
          next_cursor: hasMore && last ? encodeCursor({ id: prefixedId('conv', last.id) }) : null,
        };
      },
    );

    app.get(
      '/v1/conversations/:id',
      { schema: { operationId: 'getConversation', tags, params: IdParams, response: { 200: Conversation } } },
      async (request) => {
        const id = parsePrefixedId('conv', request.params.id, 'id', 'conversation');
        return presentConversation(await deps.conversations.get(scopeOf(request), id));
      },
    );

    app.get(
      '/v1/conversations/:id/messages',
      {
        schema: {
          operationId: 'listMessages',
          tags,
          description: 'The messages of a conversation, oldest first.',
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageOf(Message) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const conversation = await deps.conversations.get(
          scope,
          parsePrefixedId('conv', request.params.id, 'id', 'conversation'),
        );
        const size = pageSize(request.query);
        const afterId = request.query.cursor ? cursorId(request.query.cursor, 'msg') : null;
        const rows = await deps.conversations.listMessages(scope, conversation.id, {
          limit: size + 1,
          afterId,
        });
        const page = rows.slice(0, size);
        const hasMore = rows.length > size;
        return {
          data: page.map(presentMessage),
          has_more: hasMore,
          next_cursor: hasMore ? encodeCursor({ id: prefixedId('msg', page.at(-1)!.id) }) : null,
        };
      },
    );
  };
}

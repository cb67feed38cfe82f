// The widget's public API, /public/v1/chatbots/{id}/…: no API key. Every request is admitted by
// the bot's allowed origins and limited per IP; chat messages also per conversation. A visitor's
// conversation token opens their own conversation and nothing else.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/client.ts';
import { optionalBody } from '../../http/json-body.ts';
import { parsePage, toPage } from '../../http/pagination.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId } from '../../lib/ids.ts';
import type { ChatService } from '../chat/chat-service.ts';
import { streamTurn } from '../chat/chat-stream.ts';
import type { ConversationHub } from '../conversations/conversation-live.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import { followConversation } from '../conversations/conversation-stream.ts';
import {
  createTypingSignals,
  TYPING_SHOWN_SECONDS,
  TYPING_SIGNALS_PER_MINUTE,
} from '../conversations/conversation-typing.ts';
import { requestOrigin } from './widget-origins.ts';
import { limit, type PublicLimits, tokenOf } from './widget-request.ts';
import {
  CapturedResponse,
  EscalatedResponse,
  FeedbackResponse,
  PublicChatBody,
  PublicChatbotParams,
  PublicConversationParams,
  PublicEscalateBody,
  PublicEventsQuery,
  PublicFeedbackBody,
  PublicLeadBody,
  PublicMessagesQuery,
  PublicRatingBody,
  PublicTypingBody,
  PublicTypingResponse,
  presentWidgetConfig,
  presentWidgetConversation,
  presentWidgetMessage,
  RatedResponse,
  WidgetConfigResponse,
  WidgetMessagesResponse,
} from './widget-schemas.ts';
import type { WidgetAccess, WidgetService } from './widget-service.ts';

const tags = ['Widget (public)'];

export function widgetPublicRoutes(deps: {
  widget: WidgetService;
  chat: Pick<ChatService, 'answer'>;
  conversations: ConversationService;
  conversationHub: ConversationHub;
  rateLimiter: RateLimiter;
  publicLimits: PublicLimits;
  db: Database;
}) {
  const { widget, rateLimiter, publicLimits } = deps;
  const typingSignals = createTypingSignals(deps);

  /**
   * Admits the request for its chatbot. CORS is answered only once the origin is admitted: a page
   * elsewhere cannot read any answer, its 403 included. After that, errors stay readable by the
   * page, so the widget can say why.
   */
  async function admit(request: FastifyRequest, reply: FastifyReply, chatbotId: string) {
    // Every answer depends on the Origin, refusals too: caches must not mix them.
    reply.header('vary', 'Origin');
    const access = await (admissions.get(request) ?? widget.admit(chatbotId, requestOrigin(request)));
    if (request.headers.origin) {
      reply.header('access-control-allow-origin', request.headers.origin);
      reply.header('access-control-expose-headers', 'Retry-After, X-Request-Id');
    }
    return access;
  }

  /** Each request's admission, decided once (before its rate limit) and read by its handler. */
  const admissions = new WeakMap<FastifyRequest, Promise<WidgetAccess>>();

  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();

    app.addHook('onRequest', async (request, reply) => {
      // Every answer depends on the Origin, this one's 429 too: caches must not mix them.
      reply.header('vary', 'Origin');
      // A preflight changes nothing and is cached by the browser: limiting it would turn the 429
      // of the request after it into a CORS failure the widget cannot tell from a refused site.
      if (request.method === 'OPTIONS') return;
      // Requests from sites the bot refuses are counted apart: any page a visitor opens could
      // otherwise use up the budget that visitor's address (or a whole office behind one NAT)
      // has for the sites that do embed the bot.
      const chatbotId = (request.params as { id?: string }).id;
      let refused = false;
      if (chatbotId) {
        const admission = widget.admit(chatbotId, requestOrigin(request));
        admission.catch(() => {});
        admissions.set(request, admission);
        refused = await admission.then(
          () => false,
          (error: unknown) => error instanceof AppError && error.code === 'origin_not_allowed',
        );
      }
      try {
        await limit(
          rateLimiter,
          `${refused ? 'widget-refused-ip' : 'widget-ip'}:${request.ip}`,
          publicLimits.perIp,
          'requests from this address',
        );
      } catch (error) {
        // Readable by the page when the bot admits it (it says only "too many"), so the widget
        // shows it; a refused page reads nothing, its 429 included.
        if (request.headers.origin && !refused) {
          reply.header('access-control-allow-origin', request.headers.origin);
          reply.header('access-control-expose-headers', 'Retry-After, X-Request-Id');
        }
        throw error;
      }
    });

    // Preflight: only the bot's allowed origins may send what needs one (JSON bodies, tokens).
    app.options('/public/v1/chatbots/:id/*', { schema: { hide: true } }, async (request, reply) => {
      const origin = request.headers.origin;
      reply.header('vary', 'Origin');
      await widget.admit((request.params as { id: string }).id, origin ?? null);
      return reply
        .code(204)
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', 'Content-Type, Authorization, Last-Event-ID')
        .header('access-control-max-age', '600')
        .send();
    });

    app.get(
      '/public/v1/chatbots/:id/config',
      {
        schema: {
          operationId: 'widgetConfig',
          tags,
          description:
            'The widget settings a page needs: title, greeting, starter questions, colours, lead form, handoff.',
          params: PublicChatbotParams,
          response: { 200: WidgetConfigResponse },
        },
      },
      async (request, reply) => {
        const access = await admit(request, reply, request.params.id);
        return presentWidgetConfig(access.bot);
      },
    );

    app.post(
      '/public/v1/chatbots/:id/chat',
      {
        schema: {
          operationId: 'widgetChat',
          tags,
          description: [
            'A visitor message, answered as text/event-stream: `conversation` (ids and a fresh',
            '`conversation_token`), `delta`, `sources`, `done` (`{message}`) or `error`. Continuing a',
            'conversation needs its token (Authorization: Bearer).',
          ].join(' '),
          params: PublicChatbotParams,
          body: PublicChatBody,
        },
      },
      async (request, reply) => {
        const access = await admit(request, reply, request.params.id);
        // Only the conversation's visitor spends its messages: a refused token counts for nothing.
        if (request.body.conversation_id) {
          await widget.checkToken(access, request.body.conversation_id, tokenOf(request));
        }
        // New conversations are limited per address and chatbot: one site's visitors behind a
        // shared address do not use up another bot's.
        const existing = request.body.conversation_id;
        await limit(
          rateLimiter,
          existing ? `widget-visitor:${existing}` : `widget-visitor:new:${access.bot.id}:${request.ip}`,
          publicLimits.perVisitor,
          existing ? 'messages in this conversation' : 'new conversations from this address',
        );
        const turn = await widget.prepareChat(access, request.body, tokenOf(request));
        // A conversation's first message counts against it too: its later messages are limited
        // by its id, which did not exist when the first was limited by address.
        if (!request.body.conversation_id) {
          await rateLimiter.consume(
            `widget-visitor:${encodeId('conv', turn.conversation.id)}`,
            publicLimits.perVisitor,
          );
        }
        const token = await widget.tokenFor(turn);
        await streamTurn(request, reply, deps.chat, turn, {
          conversation: (current) => ({
            conversation_id: encodeId('conv', current.conversation.id),
            conversation_token: token,
            user_message_id: encodeId('msg', current.userMessage.id),
            mode: current.escalation?.conversation.mode ?? current.conversation.mode,
            system_message: current.escalation?.systemMessage
              ? presentWidgetMessage(current.escalation.systemMessage)
              : null,
          }),
          finished(answered) {
            const message = presentWidgetMessage(answered.message);
            return {
              sources: { sources: message.sources },
              done: {
                message,
                mode: answered.conversation.mode,
                system_message: answered.escalation?.systemMessage
                  ? presentWidgetMessage(answered.escalation.systemMessage)
                  : null,
              },
            };
          },
        });
        return reply;
      },
    );

    app.get(
      '/public/v1/chatbots/:id/conversations/:conversation_id/messages',
      {
        schema: {
          operationId: 'widgetMessages',
          tags,
          description: "The visitor's conversation, oldest message first. Needs its token.",
          params: PublicConversationParams,
          querystring: PublicMessagesQuery,
          response: { 200: WidgetMessagesResponse },
        },
      },
      async (request, reply) => {
        const access = await admit(request, reply, request.params.id);
        const conversation = await widget.openConversation(
          access,
          request.params.conversation_id,
          tokenOf(request),
        );
        const page = parsePage(request.query);
        const rows = await deps.conversations.listMessages(access.scope, conversation.id, {
          limit: page.pageSize + 1,
          afterId: page.afterId,
        });
        return {
          conversation: presentWidgetConversation(conversation),
          ...toPage(rows, page, presentWidgetMessage),
        };
      },
    );

    app.get(
      '/public/v1/chatbots/:id/conversations/:conversation_id/events',
      {
        schema: {
          operationId: 'widgetEvents',
          tags,
          description:
            'Server-sent events of the visitor’s conversation: `conversation` (state), `message` (each new one; Last-Event-ID resumes) and `typing` (a person typing a reply; never a private note). The token may be in `?token=`.',
          params: PublicConversationParams,
          querystring: PublicEventsQuery,
        },
      },
      async (request, reply) => {
        const access = await admit(request, reply, request.params.id);
        const conversation = await widget.openConversation(
          access,
          request.params.conversation_id,
          tokenOf(request, request.query),
        );
        const lastEventId = request.headers['last-event-id'];
        followConversation(
          reply,
          { hub: deps.conversationHub, conversations: deps.conversations },
          access.scope,
          conversation,
          {
            afterMessageId:
              typeof lastEventId === 'string' && /^[0-9a-f-]{36}$/.test(lastEventId) ? lastEventId : null,
            presentMessage: presentWidgetMessage,
            presentConversation: presentWidgetConversation,
            replay: true,
            audience: 'visitor',
          },
        );
        return reply;
      },
    );

    app.post(
      '/public/v1/chatbots/:id/conversations/:conversation_id/escalate',
      {
        schema: {
          operationId: 'widgetEscalate',
          tags,
          description: 'The visitor asks for a person: the conversation goes to human mode. Needs its token.',
          params: PublicConversationParams,
          body: PublicEscalateBody,
          response: { 200: EscalatedResponse },
        },
      },
      async (request, reply) => {
        const access: WidgetAccess = await admit(request, reply, request.params.id);
        const conversation = await widget.escalate(
          access,
          request.params.conversation_id,
          tokenOf(request),
          request.body.reason,
        );
        return { conversation: presentWidgetConversation(conversation) };
      },
    );

    app.post(
      '/public/v1/chatbots/:id/conversations/:conversation_id/typing',
      {
        schema: {
          operationId: 'widgetTyping',
          tags,
          description: `The visitor is typing (or, with \`typing: false\`, stopped): a \`typing\` event on the team's live stream of the conversation, never stored. At most ${TYPING_SIGNALS_PER_MINUTE} a minute. Needs its token.`,
          params: PublicConversationParams,
          body: PublicTypingBody,
          response: { 202: PublicTypingResponse },
        },
        preValidation: optionalBody,
      },
      async (request, reply) => {
        const access = await admit(request, reply, request.params.id);
        const conversation = await widget.openConversation(
          access,
          request.params.conversation_id,
          tokenOf(request),
        );
        const typing = request.body.typing ?? true;
        await typingSignals.signal(`visitor:${conversation.id}`, {
          conversationId: conversation.id,
          kind: 'typing',
          from: 'visitor',
          userId: null,
          name: conversation.customerName,
          privateNote: false,
          typing,
        });
        return reply.code(202).send({ typing, expires_in: TYPING_SHOWN_SECONDS });
      },
    );

    app.post(
      '/public/v1/chatbots/:id/conversations/:conversation_id/rating',
      {
        schema: {
          operationId: 'widgetRating',
          tags,
          description:
            'After a conversation is resolved, the visitor rates it 1–5 with an optional comment, once (GET /v1/analytics/csat). Needs its token.',
          params: PublicConversationParams,
          body: PublicRatingBody,
          response: { 201: RatedResponse },
        },
      },
      async (request, reply) => {
        const access = await admit(request, reply, request.params.id);
        const rated = await widget.rate(
          access,
          request.params.conversation_id,
          tokenOf(request),
          request.body,
        );
        return reply.code(201).send({ rated: true as const, rating: rated.csatRating! });
      },
    );

    app.post(
      '/public/v1/chatbots/:id/leads',
      {
        schema: {
          operationId: 'widgetLead',
          tags,
          description:
            'The visitor leaves their email, phone number or both (and name). With `conversation_id`, needs its token.',
          params: PublicChatbotParams,
          body: PublicLeadBody,
          response: { 201: CapturedResponse },
        },
      },
      async (request, reply) => {
        const access = await admit(request, reply, request.params.id);
        await widget.captureLead(access, request.body, tokenOf(request));
        return reply.code(201).send({ captured: true as const });
      },
    );

    app.post(
      '/public/v1/chatbots/:id/feedback',
      {
        schema: {
          operationId: 'widgetFeedback',
          tags,
          description: 'Thumbs up or down on a reply of the visitor’s conversation. Needs its token.',
          params: PublicChatbotParams,
          body: PublicFeedbackBody,
          response: { 200: FeedbackResponse },
        },
      },
      async (request, reply) => {
        const access = await admit(request, reply, request.params.id);
        const message = await widget.feedback(access, request.body, tokenOf(request));
        return { message: presentWidgetMessage(message) };
      },
    );
  };
}

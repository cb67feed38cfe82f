// POST /v1/chatbots/{id}/chat (JSON or server-sent events), POST /v1/messages/{id}/feedback.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf, scopeOf } from '../../http/auth.ts';
import { openEventStream } from '../../http/sse.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, encodeId } from '../../lib/ids.ts';
import { ChatbotParams } from '../chatbots/chatbot-schemas.ts';
import { MessageResponse, presentMessage } from '../conversations/conversation-schemas.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import {
  ChatBody,
  ChatResponse,
  FeedbackBody,
  HumanModeResponse,
  MessageParams,
  presentHumanTurn,
  presentReply,
} from './chat-schemas.ts';
import type { ChatService } from './chat-service.ts';

function errorBody(error: unknown, request: FastifyRequest) {
  if (error instanceof AppError) return { error: error.toBody(request.id) };
  request.log.error({ err: error }, 'chat stream failed');
  return {
    error: new AppError('api_error', 'internal_error', 'Something went wrong on our side.').toBody(
      request.id,
    ),
  };
}

export function chatRoutes(deps: { chat: ChatService; conversations: ConversationService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/v1/chatbots/:id/chat',
      {
        schema: {
          operationId: 'chat',
          tags: ['Chat'],
          description: [
            'Sends a visitor message and answers from the chatbot’s knowledge, with citations.',
            'Without `conversation_id` a conversation starts. With `"stream": true` the answer is',
            '`text/event-stream`: `conversation` (ids, first, as soon as retrieval is done), `delta`',
            '(`{text}` pieces), `sources` (`{sources_used}`), `done` (the whole reply as in the JSON',
            'answer) or `error` (`{error}` as in every error). In human mode the bot stays quiet: 202',
            'with `reply: null` (a stream ends after `conversation`). Live-mode replies count against',
            'the monthly message quota.',
          ].join(' '),
          params: ChatbotParams,
          body: ChatBody,
          response: { 200: ChatResponse, 202: HumanModeResponse },
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request);
        const principal = principalOf(request);
        const { stream, ...input } = request.body;
        const turn = await deps.chat.prepare(
          scope,
          principal.limits,
          decodeId('bot', request.params.id, 'id'),
          input,
        );
        if (!stream) {
          if (turn.mode === 'human') return reply.code(202).send(presentHumanTurn(turn));
          return presentReply(await deps.chat.answer(turn));
        }
        const events = openEventStream(reply);
        if (turn.mode === 'human') {
          // The bot stays quiet: the stream ends after its first event.
          const human = presentHumanTurn(turn);
          events.send('conversation', {
            conversation_id: human.conversation_id,
            user_message_id: human.message_id,
            mode: 'human',
            escalated: human.escalated,
            system_message: human.system_message,
          });
          events.end();
          return reply;
        }
        events.send('conversation', {
          conversation_id: encodeId('conv', turn.conversation.id),
          user_message_id: encodeId('msg', turn.userMessage.id),
          mode: turn.mode,
        });
        try {
          const answered = await deps.chat.answer(turn, {
            signal: events.signal,
            onDelta: (text) => events.send('delta', { text }),
          });
          const presented = presentReply(answered);
          events.send('sources', { sources_used: presented.sources_used });
          events.send('done', presented);
        } catch (error) {
          events.send('error', errorBody(error, request));
        }
        events.end();
        return reply;
      },
    );

    app.post(
      '/v1/messages/:id/feedback',
      {
        schema: {
          operationId: 'giveFeedback',
          tags: ['Chat'],
          description:
            'Rates a reply of the chatbot, thumbs up or down, with an optional comment. Rating again replaces it.',
          params: MessageParams,
          body: FeedbackBody,
          response: { 200: MessageResponse },
        },
      },
      async (request) => {
        const message = await deps.conversations.feedback(scopeOf(request), request.params.id, request.body);
        return presentMessage(message);
      },
    );
  };
}

// POST /v1/chatbots/{id}/chat (JSON or server-sent events), POST /v1/messages/{id}/feedback.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf, scopeOf } from '../../http/auth.ts';
import { IdParams } from '../../http/schemas.ts';
import { decodeId, encodeId } from '../../lib/ids.ts';
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
import { streamTurn } from './chat-stream.ts';

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
          params: IdParams,
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
        await streamTurn(request, reply, deps.chat, turn, {
          conversation(current) {
            if (current.mode === 'ai') {
              return {
                conversation_id: encodeId('conv', current.conversation.id),
                user_message_id: encodeId('msg', current.userMessage.id),
                mode: current.mode,
              };
            }
            const human = presentHumanTurn(current);
            return {
              conversation_id: human.conversation_id,
              user_message_id: human.message_id,
              mode: 'human',
              escalated: human.escalated,
              system_message: human.system_message,
            };
          },
          finished(answered) {
            const presented = presentReply(answered);
            return { sources: { sources_used: presented.sources_used }, done: presented };
          },
        });
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

// Streams one chat turn as server-sent events: `conversation` first, then `delta` pieces,
// `sources` and `done`, or `error`. The API and the widget's public API share it; each says how
// its audience sees the events.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { openEventStream } from '../../http/sse.ts';
import { AppError } from '../../lib/errors.ts';
import type { ChatReply, ChatService, PreparedTurn } from './chat-service.ts';

export interface TurnEvents {
  /** The first event: the conversation's ids (and, in human mode, what the visitor was told). */
  conversation(turn: PreparedTurn): unknown;
  /** The `sources` and `done` events of an answered turn, presented once for both. */
  finished(reply: ChatReply): { sources: unknown; done: unknown };
}

function errorBody(error: unknown, request: FastifyRequest) {
  if (error instanceof AppError) return { error: error.toBody(request.id) };
  request.log.error({ err: error }, 'chat stream failed');
  return {
    error: new AppError('api_error', 'internal_error', 'Something went wrong on our side.').toBody(
      request.id,
    ),
  };
}

export async function streamTurn(
  request: FastifyRequest,
  reply: FastifyReply,
  chat: Pick<ChatService, 'answer'>,
  turn: PreparedTurn,
  events: TurnEvents,
): Promise<void> {
  const stream = openEventStream(reply);
  stream.send('conversation', events.conversation(turn));
  // In human mode the bot stays quiet: the stream ends after its first event.
  if (turn.mode === 'ai') {
    try {
      const answered = await chat.answer(turn, {
        signal: stream.signal,
        onDelta: (text) => stream.send('delta', { text }),
      });
      const finished = events.finished(answered);
      stream.send('sources', finished.sources);
      stream.send('done', finished.done);
    } catch (error) {
      stream.send('error', errorBody(error, request));
    }
  }
  stream.end();
}

// Server-sent events: `event: <name>` lines with one JSON object each, optionally with an `id`
// a reconnecting client sends back as Last-Event-ID.
import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';

export interface EventStream {
  send(event: string, data: unknown, id?: string): void;
  /** A comment line: keeps proxies and load balancers from closing an idle stream. */
  ping(): void;
  end(): void;
  /** Fires when the client disconnects before the stream has ended. */
  signal: AbortSignal;
}

/** Starts the response: headers go out at once, then each event as it is written. */
export function openEventStream(reply: FastifyReply): EventStream {
  const body = new PassThrough();
  const closed = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) closed.abort(new DOMException('The client disconnected.', 'AbortError'));
  });
  reply
    .code(200)
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    // Proxies such as nginx would otherwise hold the events back.
    .header('x-accel-buffering', 'no')
    .send(body);
  return {
    send(event, data, id) {
      if (body.writableEnded) return;
      body.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    ping() {
      if (!body.writableEnded) body.write(': keep-alive\n\n');
    },
    end() {
      if (!body.writableEnded) body.end();
    },
    signal: closed.signal,
  };
}

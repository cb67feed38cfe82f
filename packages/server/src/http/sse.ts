// Server-sent events: `event: <name>` lines with one JSON object each, optionally with an `id`
// a reconnecting client sends back as Last-Event-ID.
import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { watchAuthentication } from './auth.ts';

export interface EventStream {
  send(event: string, data: unknown, id?: string): void;
  /** A comment line: keeps proxies and load balancers from closing an idle stream. */
  ping(): void;
  end(): void;
  /**
   * Fires when the client disconnects before the stream has ended, or when the API key that
   * opened it is revoked or the session that opened it ends: work done for the stream (a
   * provider call) stops with it.
   */
  signal: AbortSignal;
}

/** The open streams of each server, ended when it shuts down (a stream would never end by itself). */
const openStreams = new WeakMap<object, Set<EventStream>>();

/** Ends every event stream of this server: called when it stops taking requests. */
export function endEventStreams(server: object): void {
  for (const stream of openStreams.get(server) ?? []) stream.end();
}

/** Starts the response: headers go out at once, then each event as it is written. */
export function openEventStream(reply: FastifyReply): EventStream {
  const body = new PassThrough();
  const closed = new AbortController();
  let streams = openStreams.get(reply.server.server);
  if (!streams) {
    streams = new Set();
    openStreams.set(reply.server.server, streams);
  }
  const registry = streams;
  reply.raw.on('close', () => {
    registry.delete(stream);
    if (!reply.raw.writableFinished) closed.abort(new DOMException('The client disconnected.', 'AbortError'));
  });
  reply
    .code(200)
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    // Proxies such as nginx would otherwise hold the events back.
    .header('x-accel-buffering', 'no')
    .send(body);
  const stream: EventStream = {
    send(event, data, id) {
      if (body.writableEnded) return;
      body.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    ping() {
      if (!body.writableEnded) body.write(': keep-alive\n\n');
    },
    end() {
      registry.delete(stream);
      if (!body.writableEnded) body.end();
    },
    signal: closed.signal,
  };
  registry.add(stream);
  // A stream outlives the authentication of its request: revoking the key or ending the session
  // ends it, on every node.
  const unwatch = watchAuthentication(reply.request, (ended) => {
    stream.send('error', { error: ended.toBody(reply.request.id) });
    closed.abort(ended);
    stream.end();
  });
  if (unwatch) {
    reply.raw.on('close', unwatch);
    body.on('finish', unwatch);
  }
  return stream;
}

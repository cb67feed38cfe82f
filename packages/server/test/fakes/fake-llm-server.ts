// The engine shared by the fake LLM providers: a plain node:http server on 127.0.0.1 that records
// every request and answers in one provider's wire protocol (given as a FakeProtocol), normally or
// in one of the failure modes tests need. Tests point the code under test at `baseUrl`, exactly as
// a user would configure a real provider.
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. /v1/chat/completions. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The JSON body, or undefined when the body was not JSON. */
  body: unknown;
  /** Resolves when the connection of this exchange closes, however that happens. */
  closed: Promise<void>;
  /** True once the fake wrote its whole answer; false while answering or if the client left first. */
  completed: boolean;
}

/** What the fake model answers. Streams send one frame per chunk. */
export interface FakeReply {
  chunks: string[];
  inputTokens: number;
  outputTokens: number;
  finishReason: 'stop' | 'length';
  /** Tools the model calls (protocols that support them answer in their tool-call shape). */
  toolCalls?: FakeToolCall[];
  /** The model named in the answer; by default the one requested. */
  model?: string;
  /** Pause between stream frames, to let a client see deltas one by one. */
  frameDelayMs?: number;
}

export interface FakeToolCall {
  /** The call's id; one is made up when left out. */
  id?: string;
  name: string;
  arguments: unknown;
}

export type FakeBehavior =
  /** Answer with this status and the provider's own error body for it. */
  | { type: 'error'; status: number; message?: string; retryAfter?: string }
  /** Wait this long before sending the status line, then answer normally. */
  | { type: 'delay'; ms: number }
  /** Streams: send the first delta, then go silent. Non-streamed calls: never answer. */
  | { type: 'stall' }
  /** Streams: send the first delta, then cut the connection. */
  | { type: 'drop' }
  /** Streams: send the first delta, then the provider's in-stream error event. */
  | { type: 'stream-error' }
  /** Streams: send the first delta, then end the response cleanly, without the closing frames. */
  | { type: 'truncate' };

export interface StreamFrame {
  data: string;
  /** True for frames that carry reply text. */
  delta?: boolean;
}

/** One conversation as the provider received it, read from its own wire format. */
export interface SentPrompt {
  model: string;
  system: string | null;
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  temperature: number | undefined;
  maxTokens: number | undefined;
  stream: boolean;
  credential: string | null;
}

export type Operation = 'generate' | 'stream' | 'embed';

/** Everything that differs between providers: routes, credentials and body shapes. */
export interface FakeProtocol {
  name: string;
  /** What a ProviderConnection.baseUrl holds to reach this fake, from its origin. */
  baseUrl(origin: string): string;
  route(request: RecordedRequest): { operation: Operation; model: string } | null;
  credential(request: RecordedRequest): string | null;
  /** The provider's answer to a missing or wrong credential. */
  authFailure(credential: string | null): { status: number; body: unknown };
  errorBody(status: number, message: string | undefined, credential: string | null): unknown;
  /** A protocol rule the request breaks (e.g. a required header), answered as the provider would. */
  invalid?(request: RecordedRequest): { status: number; body: unknown } | null;
  completion(reply: FakeReply, model: string): unknown;
  streamContentType: string;
  streamFrames(reply: FakeReply, model: string, request: RecordedRequest): StreamFrame[];
  streamErrorFrame(): string;
  embedInputs(request: RecordedRequest): string[];
  embeddings(vectors: number[][], model: string, request: RecordedRequest): unknown;
  describe(request: RecordedRequest): SentPrompt;
}

export interface FakeServerOptions {
  /** When set, requests must carry this credential or get the provider's auth failure. */
  apiKey?: string;
  reply?: Partial<FakeReply>;
  /** Length of the embedding vectors. */
  dimension?: number;
}

export interface FakeLlmServer {
  readonly protocol: string;
  readonly origin: string;
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  reply: FakeReply;
  dimension: number;
  /** Behaviours for the next requests, one each, in order. */
  enqueue(...behaviors: FakeBehavior[]): void;
  /**
   * Replies for the next generate/stream requests, one each, in order (a scripted model); the
   * standing `reply` answers once they are used up.
   */
  script(...replies: Partial<FakeReply>[]): void;
  /** A behaviour for every request once the queue is empty (null: answer normally). */
  setBehavior(behavior: FakeBehavior | null): void;
  /** The credential a request carried, from this protocol's auth header. */
  credentialOf(request: RecordedRequest): string | null;
  /** The prompt of the last generate/stream request, in protocol-neutral form. */
  lastPrompt(): SentPrompt;
  /** Forgets requests and behaviours, restores the default reply. */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_REPLY: FakeReply = {
  chunks: ['Hello', ' from', ' the fake', ' model.'],
  inputTokens: 42,
  outputTokens: 7,
  finishReason: 'stop',
};

/** A deterministic unit vector per text: equal texts embed equally, different ones do not. */
export function fakeVector(text: string, dimension: number): number[] {
  const values: number[] = [];
  for (let i = 0; values.length < dimension; i++) {
    const digest = createHash('sha256').update(`${i}:${text}`).digest();
    for (let j = 0; j + 1 < digest.length && values.length < dimension; j += 2) {
      values.push(digest.readUInt16BE(j) / 65535 - 0.5);
    }
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((value) => value / norm);
}

export function isoNow(): string {
  return new Date().toISOString();
}

function sleep(ms: number, until: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    until.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeLlmServer(
  protocol: FakeProtocol,
  options: FakeServerOptions = {},
): Promise<FakeLlmServer> {
  const requests: RecordedRequest[] = [];
  let queue: FakeBehavior[] = [];
  let standing: FakeBehavior | null = null;
  let scripted: Partial<FakeReply>[] = [];
  const initialReply = { ...DEFAULT_REPLY, ...options.reply };
  const initialDimension = options.dimension ?? 8;

  async function handle(req: http.IncomingMessage, res: ServerResponse, record: RecordedRequest) {
    record.body = await readBody(req);
    const route = protocol.route(record);
    if (!route) {
      return sendJson(res, 404, protocol.errorBody(404, `No route ${record.method} ${record.path}`, null));
    }
    const credential = protocol.credential(record);
    if (options.apiKey !== undefined && credential !== options.apiKey) {
      const failure = protocol.authFailure(credential);
      return sendJson(res, failure.status, failure.body);
    }
    const invalid = protocol.invalid?.(record);
    if (invalid) return sendJson(res, invalid.status, invalid.body);
    const behavior = queue.shift() ?? standing;
    if (behavior?.type === 'delay') await sleep(behavior.ms, record.closed);
    if (res.destroyed) return; // the client gave up while we waited
    if (behavior?.type === 'error') {
      const headers: Record<string, string> = behavior.retryAfter
        ? { 'retry-after': behavior.retryAfter }
        : {};
      return sendJson(
        res,
        behavior.status,
        protocol.errorBody(behavior.status, behavior.message, credential),
        headers,
      );
    }
    const next = route.operation === 'embed' ? undefined : scripted.shift();
    const reply = next ? { ...DEFAULT_REPLY, chunks: [], ...next } : fake.reply;
    const model = reply.model ?? route.model;
    if (route.operation === 'embed') {
      const vectors = protocol.embedInputs(record).map((text) => fakeVector(text, fake.dimension));
      return sendJson(res, 200, protocol.embeddings(vectors, model, record));
    }
    if (route.operation === 'generate') {
      if (behavior?.type === 'stall') return; // holds the connection until the client gives up
      return sendJson(res, 200, protocol.completion(reply, model));
    }
    res.writeHead(200, { 'content-type': protocol.streamContentType, 'cache-control': 'no-cache' });
    let sentDelta = false;
    for (const frame of protocol.streamFrames(reply, model, record)) {
      if (res.destroyed) return;
      if (sentDelta && behavior?.type === 'stall') return;
      if (sentDelta && behavior?.type === 'drop') {
        // Let the client read what was sent before the cut, as it would over a real network.
        await sleep(20, record.closed);
        return void res.socket?.destroy();
      }
      if (sentDelta && behavior?.type === 'stream-error') return void res.end(protocol.streamErrorFrame());
      if (sentDelta && behavior?.type === 'truncate') return void res.end();
      // Each frame leaves as its own packet, so clients really see the stream arrive piecemeal.
      const written = new Promise<void>((resolve) => res.write(frame.data, () => resolve()));
      await Promise.race([written, record.closed]);
      sentDelta ||= frame.delta === true;
      if (reply.frameDelayMs) await sleep(reply.frameDelayMs, record.closed);
    }
    res.end();
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    let markClosed = () => {};
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: undefined,
      closed: new Promise<void>((resolve) => {
        markClosed = resolve;
      }),
      completed: false,
    };
    res.on('close', () => {
      record.completed = res.writableFinished;
      markClosed();
    });
    requests.push(record);
    handle(req, res, record).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeLlmServer = {
    protocol: protocol.name,
    origin,
    baseUrl: protocol.baseUrl(origin),
    requests,
    reply: { ...initialReply },
    dimension: initialDimension,
    enqueue(...behaviors) {
      queue.push(...behaviors);
    },
    script(...replies) {
      scripted.push(...replies);
    },
    setBehavior(behavior) {
      standing = behavior;
    },
    credentialOf: (request) => protocol.credential(request),
    lastPrompt() {
      const last = requests.findLast((request) => protocol.route(request)?.operation !== 'embed');
      if (!last) throw new Error(`The fake ${protocol.name} server received no generate or stream request.`);
      return protocol.describe(last);
    },
    reset() {
      requests.length = 0;
      queue = [];
      scripted = [];
      standing = null;
      fake.reply = { ...initialReply };
      fake.dimension = initialDimension;
    },
    close() {
      // Stalled exchanges would otherwise keep close() waiting forever.
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
  return fake;
}

/** Reads a JSON object field from a recorded body without trusting its shape. */
export function field(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export function headerValue(request: RecordedRequest, name: string): string | null {
  const value = request.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : null;
}

export function bearerToken(request: RecordedRequest): string | null {
  const match = /^Bearer (.+)$/.exec(headerValue(request, 'authorization') ?? '');
  return match?.[1] ?? null;
}

export function sseEvent(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

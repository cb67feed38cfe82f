// Structured JSON logs. Secrets never reach them: auth headers and secret-looking fields are redacted.
import pino, { type Logger } from 'pino';

/** Field names censored one level down in every logged object: `{config: {token}}`, `{err: {key}}`. */
export const SECRET_FIELDS = ['api_key', 'apiKey', 'secret', 'key', 'password', 'token'] as const;

/**
 * Paths pino redacts itself. Errors are redacted here rather than in `censorSecretFields`: their
 * serializer runs after it, and copies every enumerable field of the error.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  ...SECRET_FIELDS.map((field) => `err.${field}`),
];

const CENSOR = '[redacted]';

/**
 * A request URL fit for the log: its path only. A query string may hold what a visitor wrote
 * (a search, an email) or a widget's conversation token (EventSource cannot send headers).
 */
export function loggablePath(url: string): string {
  const end = url.indexOf('?');
  return end < 0 ? url : url.slice(0, end);
}

/**
 * Requests in log lines, with the path in place of the URL: Fastify's request objects (in lines
 * Fastify writes itself) as Fastify would show them; other objects as they are.
 */
function serializeRequest(request: Record<string, unknown>): unknown {
  if (!request || typeof request !== 'object' || typeof request.url !== 'string') return request;
  if ('raw' in request) {
    const headers = request.headers as Record<string, unknown> | undefined;
    return {
      method: request.method,
      url: loggablePath(request.url),
      host: headers?.host,
      remoteAddress: request.ip,
    };
  }
  return request.url.includes('?') ? { ...request, url: loggablePath(request.url) } : request;
}

/**
 * Errors as pino writes them, less the values a failed SQL statement was given: drizzle puts
 * them in the error's `params` and message, and they hold what visitors wrote (messages,
 * emails). The statement itself is kept: it says what failed.
 */
function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (!serialized || typeof serialized !== 'object') return serialized;
  if (!('params' in serialized) && !('detail' in serialized)) return serialized;
  const { params: _params, detail: _detail, ...rest } = serialized;
  const params = (error as { params?: unknown }).params;
  if (params !== undefined) {
    // Drizzle writes them as `params: ${params}` into the message, which the stack repeats.
    const written = `\nparams: ${String(params)}`;
    for (const field of ['message', 'stack'] as const) {
      const text = rest[field];
      if (typeof text === 'string') rest[field] = text.replaceAll(written, `\nparams: ${CENSOR}`);
    }
  }
  return rest;
}

/**
 * What wildcard paths (`*.token`) do, without their cost: pino runs a wildcard redactor over
 * every field of every line, ~5% of a request's CPU time. Returns the object itself when nothing
 * is secret, else a copy; the caller's objects are never changed.
 */
export function censorSecretFields(obj: Record<string, unknown>): Record<string, unknown> {
  let out = obj;
  for (const name in obj) {
    if (name === 'err' || !Object.hasOwn(obj, name)) continue;
    const value = obj[name];
    // An array's named fields never reach its JSON.
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    let copy: Record<string, unknown> | null = null;
    for (const field of SECRET_FIELDS) {
      if (!Object.hasOwn(value, field)) continue;
      // Same prototype, so a toJSON still applies, as with pino's own redaction.
      copy ??= Object.assign(Object.create(Object.getPrototypeOf(value)), value) as Record<string, unknown>;
      copy[field] = CENSOR;
    }
    if (copy) {
      if (out === obj) out = { ...obj };
      out[name] = copy;
    }
  }
  return out;
}

/**
 * Gathers log lines and hands them to SonicBoom about 4 KB at a time. SonicBoom measures the
 * byte length of all it holds on every write it is given, which made each request's log line
 * cost more than formatting it; once per 4 KB it costs next to nothing.
 */
class LineBuffer implements pino.DestinationStream {
  private lines: string[] = [];
  private length = 0;
  private readonly sink: SonicBoom;

  constructor(sink: SonicBoom) {
    this.sink = sink;
  }

  write(line: string): void {
    this.lines.push(line);
    this.length += line.length;
    if (this.length >= BUFFER_LENGTH) this.hand();
  }

  flush(): void {
    this.hand();
    this.sink.flush();
  }

  flushSync(): void {
    this.hand();
    this.sink.flushSync();
  }

  private hand(): void {
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('');
    this.lines = [];
    this.length = 0;
    this.sink.write(chunk);
  }
}

const BUFFER_LENGTH = 4096;

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * Writes to stdout through a buffer (flushed every 4 KB, on a timer and at exit) unless another
 * destination is given: a synchronous write per request line costs more than the request itself.
 * Each 4 KB is written synchronously: SonicBoom's asynchronous writes to a pipe that is full lost
 * lines in the middle of a burst (seen under load: 178 of 3,010), and one write per 4 KB is cheap.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  let stream = destination;
  if (!stream) {
    const buffer = new LineBuffer(pino.destination({ dest: 1, sync: true }));
    const flusher = setInterval(() => buffer.flush(), 1000);
    flusher.unref();
    process.once('exit', () => buffer.flushSync());
    stream = buffer;
  }
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      serializers: { err: serializeError, req: serializeRequest },
      formatters: { log: censorSecretFields },
      base: { service: 'parley' },
    },
    stream,
  );
}

// Idempotency-Key on POST/PATCH/DELETE: the first response is stored for 24 h and replayed
// with `Idempotent-Replayed: true`; the same key with another request is a 422; a duplicate
// that arrives while the first is still running is a 409. A streamed response (server-sent
// events) is stored once it has ended, whole, and replayed as one body.
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stringify as stableStringify } from 'safe-stable-stringify';
import type { Database } from '../db/client.ts';
import { AppError } from '../lib/errors.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import { principalOf } from './auth.ts';
import * as repo from './idempotency-repository.ts';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyRecordId: string | null;
  }
}

const METHODS = new Set(['POST', 'PATCH', 'DELETE']);
/**
 * An in-flight record not renewed for this long belongs to a request that died (a crash); it may
 * be taken over. A running request renews its record three times as often, however long it runs.
 */
const DEFAULT_STALE_SECONDS = 60;
const REPLAYED_HEADERS = ['content-type', 'location'];

/**
 * What makes two requests the same: method, URL, body (as JSON with its keys in order: the same
 * object sent with its fields in another order is the same request) and, for a multipart upload,
 * the file (its name, type and bytes; not the boundary, which each client run picks anew). The file
 * is `request.uploadedFile`, set by the route's multipart reader before the key is claimed.
 */
function requestHash(request: FastifyRequest): string {
  const hash = createHash('sha256').update(
    `${request.method} ${request.url}\n${request.body === undefined ? '' : stableStringify(request.body)}`,
  );
  const file = request.uploadedFile;
  if (file) hash.update(`\n${file.filename}\n${file.contentType}\n`).update(file.bytes);
  return hash.digest('hex');
}

function readKey(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key || key.length > 255) {
    throw AppError.invalid(
      'invalid_idempotency_key',
      'Idempotency-Key must be 1 to 255 characters.',
      'Idempotency-Key',
    );
  }
  return key;
}

/**
 * Puts the two idempotency hooks on the POST, PATCH and DELETE routes registered in the scope
 * after this call, ahead of the routes' own hooks, where hooks of the scope would run. Other
 * routes get none rather than two that do nothing: every hook costs every request.
 */
export function registerIdempotency(
  scope: FastifyInstance,
  db: Database,
  secretBox: SecretBox,
  options: { staleSeconds?: number } = {},
): void {
  scope.decorateRequest('idempotencyRecordId', null);
  const staleSeconds = options.staleSeconds ?? DEFAULT_STALE_SECONDS;
  /** Records held by requests of this node, renewed while they run (a stream may run for minutes). */
  const renewals = new Map<string, NodeJS.Timeout>();
  function hold(request: FastifyRequest, id: string): void {
    request.idempotencyRecordId = id;
    const timer = setInterval(
      () => {
        repo
          .renew(db.orm, id)
          .catch((error: unknown) => request.log.warn({ err: error }, 'renewing an idempotency key failed'));
      },
      (staleSeconds * 1000) / 3,
    );
    timer.unref();
    renewals.set(id, timer);
  }
  function letGo(id: string): void {
    clearInterval(renewals.get(id));
    renewals.delete(id);
  }
  /** Frees the key for a retry: the request ended without a result to replay. */
  function release(id: string): Promise<void> {
    letGo(id);
    return repo.release(db.orm, id);
  }

  // preValidation: the body is parsed, and a replay is answered before validation or the handler.
  async function claimKey(request: FastifyRequest, reply: FastifyReply) {
    if (!METHODS.has(request.method)) return;
    const key = readKey(request);
    if (!key) return;
    const principal = principalOf(request);
    const recordScope = { workspaceId: principal.workspaceId, environment: principal.environment, key };
    const hash = requestHash(request);
    const claimed = await repo.claim(db.orm, recordScope, hash);
    if (claimed) {
      hold(request, claimed);
      return;
    }
    const existing = await repo.find(db.orm, recordScope);
    if (!existing) throw conflict(); // expired and claimed by another request in between
    if (existing.requestHash !== hash) {
      throw new AppError(
        'idempotency_error',
        'idempotency_key_reused',
        `The Idempotency-Key '${key}' was already used with a different request. Use a new key for a new request.`,
        { status: 422, param: 'Idempotency-Key' },
      );
    }
    if (existing.state === 'completed') {
      for (const [name, value] of Object.entries(existing.responseHeaders ?? {})) reply.header(name, value);
      reply.header('Idempotent-Replayed', 'true');
      return reply.code(existing.responseStatus ?? 200).send(openBody(secretBox, existing.responseBody));
    }
    if (await repo.takeOverStale(db.orm, existing.id, staleSeconds)) {
      hold(request, existing.id);
      return;
    }
    throw conflict();
  }

  async function store(id: string, reply: FastifyReply, body: string) {
    letGo(id);
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    // Sealed: a stored response may hold a secret shown once (an API key, a webhook or identity secret).
    await repo.complete(db.orm, id, { status: reply.statusCode, body: secretBox.encrypt(body), headers });
  }

  /**
   * Passes a streamed body on to the client and keeps a copy; the key stays in flight (a
   * duplicate is a 409) until the stream ends, then holds the whole stream (or is released when
   * the stream ended with a server error). The copy is taken
   * from the source, so a client that goes away mid-stream still leaves the complete response
   * for its retry, as with any other response it did not wait for.
   */
  function recordStream(request: FastifyRequest, reply: FastifyReply, id: string, source: Readable) {
    const toClient = new PassThrough();
    const chunks: Buffer[] = [];
    let ended = false;
    source.on('data', (chunk: Buffer | string) => {
      chunks.push(Buffer.from(chunk));
      if (!toClient.destroyed) toClient.write(chunk);
    });
    source.once('end', () => {
      ended = true;
      const body = Buffer.concat(chunks).toString('utf8');
      const done = endsWithServerError(body) ? release(id) : store(id, reply, body);
      // The client sees the end once the response is stored: a retry it sends then is replayed.
      done
        .catch((error: unknown) => request.log.error({ err: error }, 'storing an idempotent stream failed'))
        .finally(() => toClient.end());
    });
    source.once('close', () => {
      if (ended) return;
      toClient.destroy();
      release(id).catch((error: unknown) =>
        request.log.error({ err: error }, 'releasing an idempotency key failed'),
      );
    });
    return toClient;
  }

  async function storeResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const id = request.idempotencyRecordId;
    if (!id) return payload;
    request.idempotencyRecordId = null;
    if (reply.statusCode < 500 && payload instanceof Readable)
      return recordStream(request, reply, id, payload);
    // A server error is not a result: release the key so the client can retry with it.
    if (
      reply.statusCode >= 500 ||
      (typeof payload !== 'string' && payload !== null && payload !== undefined)
    ) {
      await release(id);
      return payload;
    }
    await store(id, reply, payload ?? '');
    return payload;
  }

  scope.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((method) => METHODS.has(method))) return;
    // After the route's own: those read a body that needs reading first (a multipart upload).
    route.preValidation = [...hooksOf(route.preValidation), claimKey];
    route.onSend = [storeResponse, ...hooksOf(route.onSend)];
  });
}

/** A stored body: sealed, or plain when stored before responses were sealed. */
function openBody(secretBox: SecretBox, stored: string | null): string {
  if (!stored) return '';
  return stored.startsWith('v1:') ? secretBox.decrypt(stored) : stored;
}

/**
 * Whether a server-sent event stream ended with an `error` event of a server error (5xx): like
 * a 5xx response, it is not a result to replay.
 */
function endsWithServerError(stream: string): boolean {
  const last = stream.trimEnd().split('\n\n').at(-1) ?? '';
  if (!/^event: error$/m.test(last)) return false;
  try {
    const data = JSON.parse(/^data: (.*)$/m.exec(last)?.[1] ?? '{}') as { error?: { status?: number } };
    return (data.error?.status ?? 500) >= 500;
  } catch {
    return true;
  }
}

function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

function conflict(): AppError {
  return new AppError(
    'idempotency_error',
    'idempotency_request_in_progress',
    'A request with this Idempotency-Key is still being processed. Retry after it finishes.',
    { status: 409, param: 'Idempotency-Key' },
  );
}

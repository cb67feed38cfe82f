// One HTTP attempt of one delivery: POST the signed body, wait at most the timeout, keep the
// first 1 KB of the answer, and say what it means (success, retry, or failure for good).
import type { SafeFetch } from '../../lib/safe-fetch.ts';
import { PARLEY_VERSION } from '../../version.ts';
import { type AttemptOutcome, classifyStatus, parseRetryAfter } from './webhook-retry.ts';
import type { SignedHeaders } from './webhook-signing.ts';

export const RESPONSE_BODY_LIMIT = 1024;

export interface AttemptResult {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
  outcome: AttemptOutcome;
  retryAfterSeconds: number | null;
}

/** The connection was closed under the request: typical of a kept-alive connection gone stale. */
const STALE_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
const STALE_CONNECTION_TRIES = 3;

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

export async function sendAttempt(
  deps: { fetch: SafeFetch; timeoutMs: number },
  request: { url: string; headers: SignedHeaders; body: string; sentAt: Date },
): Promise<AttemptResult> {
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), deps.timeoutMs);
  const elapsed = () => Math.round(performance.now() - started);
  const post = () =>
    deps.fetch(request.url, {
      method: 'POST',
      headers: {
        ...request.headers,
        'content-type': 'application/json',
        'user-agent': `Parley-Webhooks/${PARLEY_VERSION}`,
      },
      body: request.body,
      signal: controller.signal,
    });
  try {
    // A kept-alive connection the receiver closed just as it was reused fails before any
    // answer: send again (the pool may hold more such connections) rather than wait for the
    // next retry. Receivers tell a repeat by its webhook-id.
    let response: Response | null = null;
    for (let tries = 1; !response; tries++) {
      try {
        response = await post();
      } catch (error) {
        const stale = causeChain(error).some((cause) => STALE_CONNECTION_CODES.has(codeOf(cause) ?? ''));
        if (controller.signal.aborted || !stale || tries >= STALE_CONNECTION_TRIES) throw error;
      }
    }
    const responseBody = await readPrefix(response, RESPONSE_BODY_LIMIT);
    const outcome = classifyStatus(response.status);
    return {
      statusCode: response.status,
      durationMs: elapsed(),
      error: outcome.kind === 'succeeded' ? null : outcome.reason,
      responseBody,
      outcome,
      retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after'), request.sentAt),
    };
  } catch (error) {
    const failure = (outcome: AttemptOutcome): AttemptResult => ({
      statusCode: null,
      durationMs: elapsed(),
      error: outcome.kind === 'succeeded' ? null : outcome.reason,
      responseBody: null,
      outcome,
      retryAfterSeconds: null,
    });
    const causes = causeChain(error);
    if (controller.signal.aborted || causes.some((cause) => TIMEOUT_CODES.has(codeOf(cause) ?? ''))) {
      return failure({ kind: 'retry', reason: `No answer within ${deps.timeoutMs / 1000} s.` });
    }
    const blocked = causes.find((cause) => codeOf(cause) === 'EBLOCKEDADDRESS');
    if (blocked) {
      // The address is the endpoint's configuration, not a passing fault: retrying cannot help.
      return failure({ kind: 'failed', reason: messageOf(blocked) });
    }
    if (error instanceof TypeError && /Only http and https/.test(error.message)) {
      return failure({ kind: 'failed', reason: error.message });
    }
    // undici's own message is a bare "fetch failed"; the innermost cause says why.
    return failure({ kind: 'retry', reason: `Could not connect: ${messageOf(causes[causes.length - 1])}` });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * At most `limit` bytes of the body as text; the rest is not read. The status decides the
 * outcome: a body cut short (timeout, reset) keeps what arrived.
 */
async function readPrefix(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // Keep what arrived.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  return bytes.length === 0 ? null : new TextDecoder().decode(bytes);
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 20) {
    const current = queue.shift();
    if (current === undefined || current === null || chain.includes(current)) continue;
    chain.push(current);
    if (current instanceof AggregateError) queue.push(...current.errors);
    if (typeof current === 'object' && 'cause' in current) queue.push(current.cause);
  }
  return chain;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

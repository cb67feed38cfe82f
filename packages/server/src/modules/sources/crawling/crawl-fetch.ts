// One GET of one document for the crawler, with every limit a hostile or broken site needs:
// a deadline over the whole exchange (all redirect hops and the body), a byte cap enforced
// while streaming, and redirects followed by hand so that every hop goes through the
// SSRF-guarded fetch again (a public page must not bounce us to 10.0.0.1 or 127.0.0.1).
// Expected failures come back as data, never as exceptions, so a frontier worker can record
// them on the document row; only the caller's own AbortSignal makes it throw.
import type { SafeFetch } from '../../../lib/safe-fetch.ts';

export const DEFAULT_USER_AGENT = 'ParleyBot/0.1 (+https://github.com/parley)';
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DEFAULT_ACCEPT =
  'text/html,application/xhtml+xml,application/pdf,text/plain,text/markdown,text/csv,' +
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document;q=0.9,*/*;q=0.5';

export interface FetchDocumentOptions {
  fetch: SafeFetch;
  /** Deadline for the whole call: every redirect hop, the headers and the body. */
  timeoutMs?: number;
  /** Decoded body size limit; reading stops as soon as it is passed. */
  maxBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
  accept?: string;
  /** Validators from the previous fetch of this URL: a 304 answer becomes `not_modified`. */
  etag?: string | null;
  lastModified?: string | null;
  /**
   * Keep the first `maxBytes` and succeed with `truncated: true` instead of failing with
   * `too_large` (robots.txt: RFC 9309 says to parse the first 500 KiB and ignore the rest).
   */
  truncateAtMaxBytes?: boolean;
  /** The caller's cancellation (worker shutdown); aborting it makes fetchDocument throw. */
  signal?: AbortSignal;
}

export type FetchErrorCode =
  | 'http_error'
  | 'timeout'
  | 'too_large'
  | 'blocked_address'
  | 'network'
  | 'too_many_redirects'
  | 'unsupported_scheme';

export interface FetchedDocument {
  status: 'ok';
  /** The URL that answered 2xx, after redirects. Callers re-check it against their filters. */
  finalUrl: string;
  httpStatus: number;
  /** The Content-Type header as sent, '' when absent. */
  contentType: string;
  /** Decoded body (fetch has already undone Content-Encoding). */
  body: Buffer;
  etag: string | null;
  lastModified: string | null;
  /** Every URL that answered with a redirect, in order, starting with the requested one. */
  redirects: string[];
  /** Only with `truncateAtMaxBytes`: the body was cut at `maxBytes`. */
  truncated: boolean;
}

export interface NotModified {
  status: 'not_modified';
  finalUrl: string;
  redirects: string[];
}

export interface FetchFailure {
  status: 'error';
  code: FetchErrorCode;
  /** The HTTP status when the server answered (http_error), otherwise absent. */
  httpStatus?: number;
  /** A sentence for the source's status page: names the URL and what went wrong. */
  message: string;
  /** The URL being fetched when it failed (a redirect target for a blocked hop). */
  finalUrl: string;
  redirects: string[];
}

export type FetchDocumentResult = FetchedDocument | NotModified | FetchFailure;

/** A failure that may pass by itself: a server error, rate limiting, a timeout, no connection. */
export function isTransientFailure(failure: FetchFailure): boolean {
  if (failure.code === 'timeout' || failure.code === 'network') return true;
  const status = failure.httpStatus;
  return (
    failure.code === 'http_error' &&
    status !== undefined &&
    (status >= 500 || status === 429 || status === 408)
  );
}

export async function fetchDocument(
  url: string,
  options: FetchDocumentOptions,
): Promise<FetchDocumentResult> {
  const callerSignal = options.signal;
  callerSignal?.throwIfAborted();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`Timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

  const state: HopState = { current: url, redirects: [] };
  try {
    return await fetchWithRedirects(url, options, controller.signal, state);
  } catch (error) {
    if (callerSignal?.aborted) throw callerSignal.reason;
    const fail = (code: FetchErrorCode, message: string): FetchFailure => ({
      status: 'error',
      code,
      message,
      finalUrl: state.current,
      redirects: state.redirects,
    });
    if (timedOut) return fail('timeout', `${state.current} did not answer within ${timeoutMs} ms.`);
    const causes = causeChain(error);
    const blocked = causes.find((cause) => codeOf(cause) === 'EBLOCKEDADDRESS');
    if (blocked) return fail('blocked_address', `${state.current} was not fetched: ${messageOf(blocked)}`);
    if (causes.some((cause) => TIMEOUT_CODES.has(codeOf(cause) ?? ''))) {
      return fail('timeout', `${state.current} did not answer in time.`);
    }
    // undici's own message is a bare "fetch failed"; the innermost cause says why.
    return fail('network', `Could not fetch ${state.current}: ${messageOf(causes[causes.length - 1])}.`);
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}

interface HopState {
  current: string;
  redirects: string[];
}

async function fetchWithRedirects(
  startUrl: string,
  options: FetchDocumentOptions,
  signal: AbortSignal,
  state: HopState,
): Promise<FetchDocumentResult> {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const fail = (code: FetchErrorCode, message: string, httpStatus?: number): FetchFailure => ({
    status: 'error',
    code,
    ...(httpStatus === undefined ? {} : { httpStatus }),
    message,
    finalUrl: state.current,
    redirects: state.redirects,
  });

  let url: URL;
  try {
    url = new URL(startUrl);
  } catch {
    return fail('unsupported_scheme', `${startUrl} is not a valid http(s) URL.`);
  }
  const headers: Record<string, string> = {
    'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
    accept: options.accept ?? DEFAULT_ACCEPT,
  };
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;

  for (;;) {
    url.hash = '';
    state.current = url.href;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return fail('unsupported_scheme', `${url.href} is not an http(s) URL.`);
    }
    const response = await options.fetch(url.href, { headers, signal, redirect: 'manual' });

    if (REDIRECT_STATUSES.has(response.status)) {
      const location = response.headers.get('location');
      await discardBody(response);
      if (!location) return fail('http_error', `${url.href} redirected without a Location.`, response.status);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return fail('http_error', `${url.href} redirected to an invalid URL: ${location}`, response.status);
      }
      next.hash = '';
      state.redirects.push(url.href);
      // Without cookies a repeated URL can only repeat forever: stop at once.
      if (state.redirects.includes(next.href)) {
        return fail('too_many_redirects', `Redirect loop: ${url.href} leads back to ${next.href}.`);
      }
      if (state.redirects.length > maxRedirects) {
        return fail('too_many_redirects', `${startUrl} redirected more than ${maxRedirects} times.`);
      }
      url = next;
      continue;
    }

    if (response.status === 304) {
      await discardBody(response);
      return { status: 'not_modified', finalUrl: url.href, redirects: state.redirects };
    }
    if (response.status < 200 || response.status > 299) {
      await discardBody(response);
      return fail('http_error', `${url.href} answered HTTP ${response.status}.`, response.status);
    }

    const read = await readBody(response, maxBytes, options.truncateAtMaxBytes ?? false);
    if (!read) return fail('too_large', `${url.href} is larger than ${maxBytes} bytes.`);
    return {
      status: 'ok',
      finalUrl: url.href,
      httpStatus: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: read.body,
      etag: response.headers.get('etag'),
      lastModified: response.headers.get('last-modified'),
      redirects: state.redirects,
      truncated: read.truncated,
    };
  }
}

/** The body, or null when it is larger than maxBytes and truncation was not asked for. */
async function readBody(
  response: Response,
  maxBytes: number,
  truncate: boolean,
): Promise<{ body: Buffer; truncated: boolean } | null> {
  // A declared length is the encoded size; only trust it up front when nothing is encoded.
  const encoding = (response.headers.get('content-encoding') ?? 'identity').toLowerCase();
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (!truncate && encoding === 'identity' && Number.isFinite(declared) && declared > maxBytes) {
    await discardBody(response);
    return null;
  }
  if (!response.body) return { body: Buffer.alloc(0), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      // Cancelling closes the connection: the rest of the body is never downloaded.
      await reader.cancel().catch(() => {});
      if (!truncate) return null;
      chunks.push(value.subarray(0, maxBytes - size));
      return { body: Buffer.concat(chunks, maxBytes), truncated: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { body: Buffer.concat(chunks, size), truncated: false };
}

async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** The error, its causes and, for happy-eyeballs connects, every address's own error. */
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
  return error instanceof Error ? error.message : String(error);
}

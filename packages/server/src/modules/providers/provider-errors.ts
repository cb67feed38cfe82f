// One error for every way a language-model provider can fail, with a closed set of codes the chat
// service, the integration test endpoint and webhooks (integration.failed) can act on. The
// messages are written for the workspace owner; none of them may ever carry a credential, because
// providers like to echo the key they refused ("Incorrect API key provided: sk-…").
import { AISDKError, APICallError, LoadAPIKeyError, RetryError, StreamProviderError } from 'ai';
import { AppError } from '../../lib/errors.ts';
import { BlockedAddressError } from '../../lib/safe-fetch.ts';
import type { ProviderName } from './provider-types.ts';

export const PROVIDER_ERROR_CODES = [
  'provider_auth_failed',
  'provider_rate_limited',
  'provider_timeout',
  'provider_unavailable',
  'provider_bad_request',
  'provider_bad_response',
] as const;
export type ProviderErrorCode = (typeof PROVIDER_ERROR_CODES)[number];

export interface ProviderErrorDetails {
  provider: ProviderName;
  /** The provider's HTTP status, when it answered at all. */
  providerStatus?: number;
  /** From the provider's Retry-After header on a 429. */
  retryAfterSeconds?: number;
}

export class ProviderError extends AppError {
  declare readonly code: ProviderErrorCode;
  readonly provider: ProviderName;
  readonly providerStatus: number | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ProviderErrorCode, message: string, details: ProviderErrorDetails) {
    super('provider_error', code, message);
    this.name = 'ProviderError';
    this.provider = details.provider;
    this.providerStatus = details.providerStatus;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  static is(error: unknown, code?: ProviderErrorCode): error is ProviderError {
    return error instanceof ProviderError && (code === undefined || error.code === code);
  }
}

const LABELS: Record<ProviderName, string> = {
  openai: 'OpenAI',
  gemini: 'Google Gemini',
  anthropic: 'Anthropic',
  ollama: 'Ollama',
  openai_compatible: 'The OpenAI-compatible server',
  extractive: 'The extractive answerer',
};

export function providerLabel(provider: ProviderName): string {
  return LABELS[provider];
}

const MAX_PROVIDER_MESSAGE = 300;

// Shapes of credentials seen in the wild: prefixed keys (OpenAI, Anthropic, Groq, xAI, Hugging
// Face…, also the masked "sk-proj-****abcd" form OpenAI echoes), Google API keys, bearer tokens.
const SECRET_PATTERNS: RegExp[] = [
  /\b(?:sk|pk|rk|gsk|xai|nvapi|hf)[-_][A-Za-z0-9_*.-]{4,}/gi,
  /\bAIza[0-9A-Za-z_-]{10,}/g,
  /\bBearer\s+[^\s"',]+/gi,
];
// Any other long run mixing letters and digits (hex, base64, JWT parts): no readable message has one.
const LONG_TOKEN = /[A-Za-z0-9_\-+=]{24,}/g;

/** Removes the given secrets and anything that looks like a credential from a provider's text. */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | null | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    // Short values would blank out ordinary words; real keys are long.
    if (secret && secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out.replace(LONG_TOKEN, (run) => (/[0-9]/.test(run) && /[A-Za-z]/.test(run) ? '[redacted]' : run));
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_PROVIDER_MESSAGE ? `${oneLine.slice(0, MAX_PROVIDER_MESSAGE - 1)}…` : oneLine;
}

/** The provider's own explanation, from the usual error body shapes of the five protocols. */
function providerMessage(error: { message?: unknown; responseBody?: unknown }): string {
  const candidates: unknown[] = [];
  if (typeof error.responseBody === 'string') {
    try {
      const body = JSON.parse(error.responseBody) as Record<string, unknown> | null;
      const inner = body?.error;
      if (inner && typeof inner === 'object') candidates.push((inner as Record<string, unknown>).message);
      candidates.push(inner, body?.message, body?.detail);
    } catch {
      candidates.push(error.responseBody.slice(0, 1000));
    }
  }
  candidates.push(error.message);
  const found = candidates.find((value): value is string => typeof value === 'string' && value.trim() !== '');
  return found ?? '';
}

function retryAfterOf(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

// Gemini answers an invalid key with 400 INVALID_ARGUMENT, not 401; others sometimes use 400 too.
const INVALID_KEY_TEXT = /API_KEY_INVALID|API key not valid|invalid[ _-]?api[ _-]?key|incorrect api key/i;

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CLOSED: 'connection closed',
};
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The first network error code in an error's cause chain, e.g. ECONNREFUSED. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code in NETWORK_CODES || TIMEOUT_CODES.has(code))) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0 && !(current instanceof RetryError)) {
      const nested = networkCode(errors[0]);
      if (nested) return nested;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function fromStatus(
  status: number,
  text: string,
  headers: Record<string, string> | undefined,
  provider: ProviderName,
  secrets: ReadonlyArray<string | null | undefined>,
): ProviderError {
  const label = providerLabel(provider);
  const said = clip(redactSecrets(text, secrets));
  const details = { provider, providerStatus: status };
  if (status === 401 || status === 403 || (status === 400 && INVALID_KEY_TEXT.test(text))) {
    // Never the provider's text here: it is where keys get echoed.
    return new ProviderError(
      'provider_auth_failed',
      `${label} refused the API key of this integration (HTTP ${status}). Check the key and update the integration.`,
      details,
    );
  }
  if (status === 429) {
    const retryAfterSeconds = retryAfterOf(headers);
    const wait = retryAfterSeconds === undefined ? '' : ` Retry after ${retryAfterSeconds} s.`;
    return new ProviderError(
      'provider_rate_limited',
      `${label} is rate limiting this integration (HTTP 429)${said ? `: ${said}` : '.'}${wait}`,
      { ...details, retryAfterSeconds },
    );
  }
  if (status === 408) {
    return new ProviderError('provider_timeout', `${label} timed out answering (HTTP 408).`, details);
  }
  if (status >= 500) {
    return new ProviderError('provider_unavailable', `${label} is unavailable (HTTP ${status}).`, details);
  }
  if (status >= 400) {
    return new ProviderError(
      'provider_bad_request',
      `${label} rejected the request (HTTP ${status})${said ? `: ${said}` : '.'}`,
      details,
    );
  }
  // A 2xx whose body the SDK could not parse.
  return new ProviderError(
    'provider_bad_response',
    `${label} sent a response that could not be read.`,
    details,
  );
}

// Errors inside a stream (an Anthropic `event: error`, an OpenAI or Gemini `{"error": …}` chunk)
// come as the SDK's StreamProviderError or as plain objects, with the status the SDK could infer,
// or with only a type.
function fromStreamError(
  value: { message?: unknown; statusCode?: unknown; type?: unknown; code?: unknown; status?: unknown },
  provider: ProviderName,
  secrets: ReadonlyArray<string | null | undefined>,
): ProviderError {
  const message = typeof value.message === 'string' ? value.message : '';
  if (typeof value.statusCode === 'number')
    return fromStatus(value.statusCode, message, undefined, provider, secrets);
  const kind = `${String(value.type ?? '')} ${String(value.code ?? '')} ${String(value.status ?? '')}`;
  const label = providerLabel(provider);
  const details = { provider };
  if (/rate.?limit|quota|resource.?exhausted/i.test(kind)) {
    return new ProviderError('provider_rate_limited', `${label} is rate limiting this integration.`, details);
  }
  if (/auth|api.?key|permission|unauthenticated/i.test(kind)) {
    return new ProviderError(
      'provider_auth_failed',
      `${label} refused the API key of this integration.`,
      details,
    );
  }
  if (/timeout|deadline/i.test(kind)) {
    return new ProviderError('provider_timeout', `${label} timed out while answering.`, details);
  }
  if (/overload|server|internal|unavailable|api_error/i.test(kind)) {
    return new ProviderError('provider_unavailable', `${label} failed while answering.`, details);
  }
  const said = clip(redactSecrets(message, secrets));
  return new ProviderError(
    'provider_bad_response',
    `${label} reported an error while answering${said ? `: ${said}` : '.'}`,
    details,
  );
}

const CALLER_ERRORS = new Set([
  'AI_InvalidArgumentError',
  'AI_InvalidPromptError',
  'AI_UnsupportedFunctionalityError',
  'AI_TooManyEmbeddingValuesForCallError',
  'AI_NoSuchModelError',
]);

/**
 * Maps anything an AI SDK call can throw (or put in a stream's error part) to a ProviderError.
 * `secrets` are scrubbed from any provider text that ends up in a message, on top of the
 * key-shaped patterns.
 */
export function toProviderError(
  error: unknown,
  provider: ProviderName,
  options: { secrets?: ReadonlyArray<string | null | undefined> } = {},
): ProviderError {
  const secrets = options.secrets ?? [];
  const label = providerLabel(provider);
  if (error instanceof ProviderError) return error;
  if (RetryError.isInstance(error)) return toProviderError(error.lastError, provider, options);
  const blocked = findBlockedAddress(error);
  if (blocked)
    return new ProviderError('provider_unavailable', `${label} was not called: ${blocked.message}`, {
      provider,
    });

  if (APICallError.isInstance(error)) {
    // A connection cut mid-stream is an APICallError "Failed to process successful response"
    // with status 200, the socket error in its cause chain.
    if (error.statusCode !== undefined && !networkCode(error)) {
      return fromStatus(error.statusCode, providerMessage(error), error.responseHeaders, provider, secrets);
    }
    // No status: the request never got an answer (refused, DNS, reset).
    return fromNetwork(error, provider);
  }
  if (LoadAPIKeyError.isInstance(error)) {
    return new ProviderError('provider_auth_failed', `No API key is configured for ${label}.`, { provider });
  }
  if (error instanceof Error || (typeof DOMException === 'function' && error instanceof DOMException)) {
    const name = (error as Error).name;
    if (name === 'TimeoutError') {
      return new ProviderError('provider_timeout', `${label} did not answer in time.`, { provider });
    }
    if (name === 'AbortError' || name === 'ResponseAborted') {
      return new ProviderError('provider_timeout', `The call to ${label} was aborted before it finished.`, {
        provider,
      });
    }
    if (
      networkCode(error) ||
      (error instanceof TypeError && /fetch failed|terminated|network/i.test(error.message))
    ) {
      return fromNetwork(error, provider);
    }
    if (StreamProviderError.isInstance(error)) return fromStreamError(error, provider, secrets);
    if (AISDKError.isInstance(error) && CALLER_ERRORS.has(name)) {
      return new ProviderError(
        'provider_bad_request',
        `${label} could not be called: ${clip(redactSecrets(error.message, secrets))}`,
        { provider },
      );
    }
    return new ProviderError('provider_bad_response', `${label} sent a response that could not be read.`, {
      provider,
    });
  }
  if (error && typeof error === 'object') return fromStreamError(error, provider, secrets);
  // Ollama's in-stream error is a bare string.
  const said = typeof error === 'string' ? clip(redactSecrets(error, secrets)) : '';
  return new ProviderError(
    'provider_bad_response',
    `${label} reported an error while answering${said ? `: ${said}` : '.'}`,
    { provider },
  );
}

/** The SSRF guard's refusal, wherever the SDK wrapped it. */
function findBlockedAddress(error: unknown): BlockedAddressError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (current instanceof BlockedAddressError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function fromNetwork(error: unknown, provider: ProviderName): ProviderError {
  const label = providerLabel(provider);
  const code = networkCode(error);
  if (code && TIMEOUT_CODES.has(code)) {
    return new ProviderError('provider_timeout', `${label} did not answer in time (${code}).`, { provider });
  }
  const reason = code ? NETWORK_CODES[code] : 'network error';
  return new ProviderError('provider_unavailable', `The connection to ${label} failed (${reason}).`, {
    provider,
  });
}

// toProviderError on the error shapes the AI SDK produces, and the scrubbing of credentials from
// whatever provider text reaches a message.
import { APICallError, LoadAPIKeyError, RetryError, StreamProviderError } from 'ai';
import { describe, expect, it } from 'vitest';
import {
  ProviderError,
  redactSecrets,
  toProviderError,
} from '../../../src/modules/providers/provider-errors.ts';

function apiError(statusCode: number | undefined, body: unknown, headers: Record<string, string> = {}) {
  return new APICallError({
    message: typeof body === 'object' ? 'Bad request' : String(body),
    url: 'https://api.example.com/v1/chat/completions',
    requestBodyValues: { messages: [{ role: 'user', content: 'private question' }] },
    statusCode,
    responseHeaders: headers,
    responseBody: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('redactSecrets', () => {
  it.each([
    [
      'OpenAI',
      'Incorrect API key provided: sk-proj-AbC123dEf456GhI789. You can find…',
      'sk-proj-AbC123dEf456GhI789',
    ],
    ['OpenAI masked', 'Incorrect API key provided: sk-proj-********************************Xy9Z.', 'Xy9Z'],
    ['Anthropic', 'key sk-ant-api03-abcdefghijklmnop0123 is invalid', 'sk-ant-api03-abcdefghijklmnop0123'],
    [
      'Google',
      'key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW rejected',
      'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW',
    ],
    ['bearer', 'sent Authorization: Bearer abc.def.ghi', 'abc.def.ghi'],
    [
      'long token',
      'token 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 refused',
      '9f86d0818',
    ],
  ])('removes a %s key', (_name, text, secret) => {
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain('[redacted]');
  });

  it('removes exact secrets that have no recognisable shape, and keeps ordinary words', () => {
    expect(redactSecrets('The key correct-horse-battery is wrong', ['correct-horse-battery'])).toBe(
      'The key [redacted] is wrong',
    );
    expect(redactSecrets("The model 'gpt-4o-mini-2024-07-18' does not exist")).toBe(
      "The model 'gpt-4o-mini-2024-07-18' does not exist",
    );
  });
});

describe('toProviderError', () => {
  it('maps HTTP statuses to the closed set of codes', () => {
    const cases: Array<[number, ProviderError['code']]> = [
      [401, 'provider_auth_failed'],
      [403, 'provider_auth_failed'],
      [408, 'provider_timeout'],
      [429, 'provider_rate_limited'],
      [400, 'provider_bad_request'],
      [404, 'provider_bad_request'],
      [422, 'provider_bad_request'],
      [500, 'provider_unavailable'],
      [503, 'provider_unavailable'],
      [529, 'provider_unavailable'],
      [200, 'provider_bad_response'],
    ];
    for (const [status, code] of cases) {
      const error = toProviderError(apiError(status, { error: { message: 'nope' } }), 'openai');
      expect(error).toBeInstanceOf(ProviderError);
      expect({ status, code: error.code, providerStatus: error.providerStatus, http: error.status }).toEqual({
        status,
        code,
        providerStatus: status,
        http: 502,
      });
    }
  });

  it("treats Gemini's 400 API_KEY_INVALID as an auth failure", () => {
    const body = {
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [{ reason: 'API_KEY_INVALID' }],
      },
    };
    expect(toProviderError(apiError(400, body), 'gemini').code).toBe('provider_auth_failed');
  });

  it("quotes the provider's own message on a 4xx, truncated and without keys", () => {
    const message = `Invalid value for 'model': tried sk-live-abcdefghij0123456789 ${'x'.repeat(500)}`;
    const error = toProviderError(
      apiError(400, { error: { message, type: 'invalid_request_error' } }),
      'openai',
    );
    expect(error.code).toBe('provider_bad_request');
    expect(error.message).toMatch(/^OpenAI rejected the request \(HTTP 400\): Invalid value for 'model'/);
    expect(error.message).not.toContain('sk-live-abcdefghij0123456789');
    expect(error.message.length).toBeLessThan(400);
  });

  it("reads Ollama's string error body", () => {
    const error = toProviderError(
      apiError(404, { error: 'model "llama9" not found, try pulling it first' }),
      'ollama',
    );
    expect(error.message).toBe(
      'Ollama rejected the request (HTTP 404): model "llama9" not found, try pulling it first',
    );
  });

  it('never puts provider text in an auth failure, whatever it echoes', () => {
    const error = toProviderError(
      apiError(401, { error: { message: 'Incorrect API key provided: plain-words-key' } }),
      'openai_compatible',
      { secrets: ['plain-words-key'] },
    );
    expect(error.message).not.toContain('plain-words-key');
    expect(JSON.stringify(error)).not.toContain('plain-words-key');
    expect(JSON.stringify(error)).not.toContain('private question');
  });

  it('gives the retry delay of a 429, in seconds or as a date', () => {
    expect(toProviderError(apiError(429, {}, { 'retry-after': '12' }), 'anthropic').retryAfterSeconds).toBe(
      12,
    );
    const date = new Date(Date.now() + 30_000).toUTCString();
    const fromDate = toProviderError(
      apiError(429, {}, { 'retry-after': date }),
      'anthropic',
    ).retryAfterSeconds;
    expect(fromDate).toBeGreaterThanOrEqual(28);
    expect(fromDate).toBeLessThanOrEqual(31);
  });

  it('unwraps a RetryError to its last error', () => {
    const retry = new RetryError({
      message: 'Failed after 2 attempts',
      reason: 'maxRetriesExceeded',
      errors: [apiError(500, {}), apiError(429, {}, { 'retry-after': '3' })],
    });
    expect(toProviderError(retry, 'openai')).toMatchObject({
      code: 'provider_rate_limited',
      retryAfterSeconds: 3,
    });
  });

  it('maps connection failures by their network code', () => {
    const refused = new APICallError({
      message: 'Cannot connect to API: connect ECONNREFUSED 127.0.0.1:1',
      url: 'http://127.0.0.1:1',
      requestBodyValues: {},
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      isRetryable: true,
    });
    expect(toProviderError(refused, 'ollama')).toMatchObject({
      code: 'provider_unavailable',
      message: 'The connection to Ollama failed (connection refused).',
    });
    const dns = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' }),
    });
    expect(toProviderError(dns, 'openai')).toMatchObject({ code: 'provider_unavailable' });
    const slowConnect = new TypeError('fetch failed', {
      cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });
    expect(toProviderError(slowConnect, 'openai').code).toBe('provider_timeout');
  });

  it('maps timeouts and aborts', () => {
    expect(toProviderError(new DOMException('timed out', 'TimeoutError'), 'gemini').code).toBe(
      'provider_timeout',
    );
    expect(toProviderError(new DOMException('aborted', 'AbortError'), 'gemini').code).toBe(
      'provider_timeout',
    );
  });

  it('maps errors reported inside a stream', () => {
    const overloaded = new StreamProviderError({
      message: 'Overloaded',
      type: 'overloaded_error',
      statusCode: 529,
    });
    expect(toProviderError(overloaded, 'anthropic').code).toBe('provider_unavailable');
    const typed = new StreamProviderError({ message: 'Slow down', type: 'rate_limit_error' });
    expect(toProviderError(typed, 'anthropic').code).toBe('provider_rate_limited');
    expect(toProviderError({ message: 'boom', type: 'server_error' }, 'openai').code).toBe(
      'provider_unavailable',
    );
    expect(toProviderError('model runner crashed', 'ollama')).toMatchObject({
      code: 'provider_bad_response',
      message: 'Ollama reported an error while answering: model runner crashed',
    });
  });

  it('maps a missing key and unreadable answers', () => {
    expect(
      toProviderError(new LoadAPIKeyError({ message: 'OpenAI API key is missing.' }), 'openai').code,
    ).toBe('provider_auth_failed');
    expect(toProviderError(new SyntaxError('Unexpected token <'), 'openai').code).toBe(
      'provider_bad_response',
    );
  });

  it('passes a ProviderError through unchanged', () => {
    const original = new ProviderError('provider_timeout', 'slow', { provider: 'openai' });
    expect(toProviderError(original, 'gemini')).toBe(original);
  });
});

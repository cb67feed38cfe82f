// Contract tests of the AI SDK provider layer: every provider, against a local fake speaking its
// real wire protocol, must give the same results and the same errors through our types.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddingModel, createTextModel } from '../../../src/modules/providers/ai-sdk-models.ts';
import { ProviderError } from '../../../src/modules/providers/provider-errors.ts';
import type {
  GenerateRequest,
  LlmProvider,
  ProviderConnection,
  ProviderOptions,
  StreamPart,
} from '../../../src/modules/providers/provider-types.ts';
import {
  DEFAULT_REPLY,
  type FakeLlmServer,
  fakeVector,
  startFakeProvider,
} from '../../fakes/fake-providers.ts';

interface ProviderCase {
  provider: LlmProvider;
  model: string;
  embeddingModel: string | null;
  /** The credential the fake demands; null: it accepts any (plain Ollama). */
  key: string | null;
  /** What an error event in the middle of a stream becomes. */
  midStreamCode: ProviderError['code'];
}

const CASES: ProviderCase[] = [
  {
    provider: 'openai',
    model: 'gpt-4o-mini',
    embeddingModel: 'text-embedding-3-small',
    key: 'sk-proj-test0123456789abcdef',
    midStreamCode: 'provider_unavailable',
  },
  {
    provider: 'gemini',
    model: 'gemini-2.0-flash',
    embeddingModel: 'text-embedding-004',
    key: 'AIzaSyTest0123456789abcdefghijklmnopq',
    midStreamCode: 'provider_unavailable',
  },
  {
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    embeddingModel: null,
    key: 'sk-ant-api03-test0123456789',
    midStreamCode: 'provider_unavailable',
  },
  {
    provider: 'ollama',
    model: 'llama3.2',
    embeddingModel: 'nomic-embed-text',
    key: null,
    midStreamCode: 'provider_unavailable',
  },
  {
    provider: 'openai_compatible',
    model: 'qwen2.5-7b-instruct',
    embeddingModel: 'bge-small-en-v1.5',
    key: 'local-server-token-1',
    midStreamCode: 'provider_unavailable',
  },
];

// No digits, no known prefix: only the exact-secret scrubbing can keep it out of messages.
const WRONG_KEY = 'wrong-key-nobody-should-ever-see';
const FAST: ProviderOptions = { maxRetries: 0, timeoutMs: 5_000 };

const REQUEST: GenerateRequest = {
  system: 'You are the support assistant of Acme. Answer from the context.\n[1] Opening hours: 9 to 5.',
  messages: [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello! How can I help?' },
    { role: 'user', content: 'When are you open?' },
  ],
  temperature: 0.2,
  maxOutputTokens: 256,
};

const REPLY_TEXT = DEFAULT_REPLY.chunks.join('');

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Reads a stream to its end or its error, keeping what arrived before the error. */
async function drain(stream: AsyncIterable<StreamPart>): Promise<{ parts: StreamPart[]; error: unknown }> {
  const parts: StreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
  } catch (error) {
    return { parts, error };
  }
  return { parts, error: undefined };
}

function expectProviderError(error: unknown, code: ProviderError['code']): ProviderError {
  expect(error).toBeInstanceOf(ProviderError);
  const providerError = error as ProviderError;
  expect({ code: providerError.code, type: providerError.type, status: providerError.status }).toEqual({
    code,
    type: 'provider_error',
    status: 502,
  });
  return providerError;
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(CASES)('$provider provider', (c) => {
  let fake: FakeLlmServer;
  beforeAll(async () => {
    fake = await startFakeProvider(c.provider, c.key ? { apiKey: c.key } : {});
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const connection = (overrides: Partial<ProviderConnection> = {}): ProviderConnection => ({
    provider: c.provider,
    model: c.model,
    embeddingModel: c.embeddingModel,
    baseUrl: fake.baseUrl,
    apiKey: c.key,
    ...overrides,
  });

  it('generates: returns text, usage and model, and sends the prompt with the credential', async () => {
    const result = await createTextModel(connection(), FAST).generate(REQUEST);
    expect(result).toEqual({
      text: REPLY_TEXT,
      usage: { inputTokens: 42, outputTokens: 7 },
      model: c.model,
      finishReason: 'stop',
    });
    expect(fake.requests).toHaveLength(1);
    expect(fake.lastPrompt()).toEqual({
      model: c.model,
      system: REQUEST.system,
      messages: REQUEST.messages,
      temperature: 0.2,
      maxTokens: 256,
      stream: false,
      credential: c.key,
    });
  });

  it('streams: the deltas in order, then one done whose text is their concatenation', async () => {
    const { parts, error } = await drain(createTextModel(connection(), FAST).stream(REQUEST));
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      ...DEFAULT_REPLY.chunks.map((text) => ({ type: 'delta', text })),
      {
        type: 'done',
        result: {
          text: REPLY_TEXT,
          usage: { inputTokens: 42, outputTokens: 7 },
          model: c.model,
          finishReason: 'stop',
        },
      },
    ]);
    expect(fake.lastPrompt()).toEqual({
      model: c.model,
      system: REQUEST.system,
      messages: REQUEST.messages,
      temperature: 0.2,
      maxTokens: 256,
      stream: true,
      credential: c.key,
    });
  });

  it('reports a reply cut at the token limit as finishReason length', async () => {
    fake.reply = { ...fake.reply, finishReason: 'length' };
    const model = createTextModel(connection(), FAST);
    expect((await model.generate(REQUEST)).finishReason).toBe('length');
    const { parts } = await drain(model.stream(REQUEST));
    expect(parts.at(-1)).toMatchObject({ type: 'done', result: { finishReason: 'length' } });
  });

  if (c.embeddingModel) {
    it('embeds one text and several, with vectors of the fake dimension', async () => {
      const model = createEmbeddingModel(connection(), FAST)!;
      expect(model).toMatchObject({ provider: c.provider, model: c.embeddingModel });
      const texts = ['How do I reset my password?', 'Opening hours', 'Refund policy'];
      const many = await model.embed(texts);
      expect(many.embeddings).toEqual(texts.map((text) => fakeVector(text, 8)));
      const one = await model.embed(['Opening hours']);
      expect(one.embeddings).toEqual([fakeVector('Opening hours', 8)]);
      expect(Number.isInteger(one.usage.tokens)).toBe(true);
      expect(await model.embed([])).toEqual({ embeddings: [], usage: { tokens: 0 } });
      expect(fake.requests).toHaveLength(2);
      for (const request of fake.requests) {
        expect(JSON.stringify(request.body)).toContain(c.embeddingModel);
        expect(fake.credentialOf(request)).toBe(c.key);
      }
    });
  }

  it('has no embedding model without an embeddingModel (or, for Anthropic, at all)', () => {
    expect(createEmbeddingModel(connection({ embeddingModel: null }))).toBeNull();
    if (c.provider === 'anthropic')
      expect(createEmbeddingModel(connection({ embeddingModel: 'voyage-3' }))).toBeNull();
  });

  it('answers a refused credential with provider_auth_failed, never echoing the key', async () => {
    // Plain Ollama has no auth: play Ollama behind a proxy that refuses the token.
    if (!c.key) fake.setBehavior({ type: 'error', status: 401 });
    const model = createTextModel(connection({ apiKey: WRONG_KEY }), FAST);
    const failures = [await rejectionOf(model.generate(REQUEST)), (await drain(model.stream(REQUEST))).error];
    for (const failure of failures) {
      const error = expectProviderError(failure, 'provider_auth_failed');
      expect(error.message).not.toContain(WRONG_KEY);
      expect(JSON.stringify(error)).not.toContain(WRONG_KEY);
      expect(JSON.stringify(error.toBody('req_1'))).not.toContain(WRONG_KEY);
      expect(String(error.stack)).not.toContain(WRONG_KEY);
    }
    // The key did reach the provider: it is the provider that refused it.
    expect(fake.lastPrompt().credential).toBe(WRONG_KEY);
  });

  it('answers 429 with provider_rate_limited and the retry delay', async () => {
    fake.setBehavior({ type: 'error', status: 429, retryAfter: '7' });
    const model = createTextModel(connection(), FAST);
    const error = expectProviderError(await rejectionOf(model.generate(REQUEST)), 'provider_rate_limited');
    expect(error.retryAfterSeconds).toBe(7);
    expectProviderError((await drain(model.stream(REQUEST))).error, 'provider_rate_limited');
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a 429 once by default, honouring retry-after', async () => {
    fake.enqueue({ type: 'error', status: 429, retryAfter: '0' });
    const result = await createTextModel(connection(), { timeoutMs: 5_000 }).generate(REQUEST);
    expect(result.text).toBe(REPLY_TEXT);
    expect(fake.requests).toHaveLength(2);
  });

  it('answers 500 with provider_unavailable, in generate and before the first token of a stream', async () => {
    fake.setBehavior({ type: 'error', status: 500 });
    const model = createTextModel(connection(), FAST);
    expectProviderError(await rejectionOf(model.generate(REQUEST)), 'provider_unavailable');
    const { parts, error } = await drain(model.stream(REQUEST));
    expect(parts).toEqual([]);
    expectProviderError(error, 'provider_unavailable');
  });

  it('answers a closed port with provider_unavailable', async () => {
    const port = await closedPort();
    const baseUrl = fake.baseUrl.replace(/:\d+/, `:${port}`);
    const model = createTextModel(connection({ baseUrl }), FAST);
    expectProviderError(await rejectionOf(model.generate(REQUEST)), 'provider_unavailable');
    expectProviderError((await drain(model.stream(REQUEST))).error, 'provider_unavailable');
    if (c.embeddingModel) {
      const embedder = createEmbeddingModel(connection({ baseUrl }), FAST)!;
      expectProviderError(await rejectionOf(embedder.embed(['x'])), 'provider_unavailable');
    }
  });

  it('times out a provider slower than timeoutMs with provider_timeout', async () => {
    fake.setBehavior({ type: 'delay', ms: 3_000 });
    const model = createTextModel(connection(), { timeoutMs: 300, maxRetries: 0 });
    const started = Date.now();
    const error = expectProviderError(await rejectionOf(model.generate(REQUEST)), 'provider_timeout');
    expect(error.message).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
    await fake.requests[0]!.closed;
    expect(fake.requests[0]!.completed).toBe(false);
    if (c.embeddingModel) {
      const embedder = createEmbeddingModel(connection(), { timeoutMs: 300, maxRetries: 0 })!;
      expectProviderError(await rejectionOf(embedder.embed(['x'])), 'provider_timeout');
    }
  });

  it('times out a stream that stalls after its first delta', async () => {
    fake.setBehavior({ type: 'stall' });
    const started = Date.now();
    const { parts, error } = await drain(
      createTextModel(connection(), { timeoutMs: 300, maxRetries: 0 }).stream(REQUEST),
    );
    expect(parts).toEqual([{ type: 'delta', text: DEFAULT_REPLY.chunks[0] }]);
    expectProviderError(error, 'provider_timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
    await fake.requests[0]!.closed;
    expect(fake.requests[0]!.completed).toBe(false);
  });

  it('keeps a slow but steady stream alive past timeoutMs: the timeout is for silence', async () => {
    fake.reply = { ...fake.reply, chunks: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], frameDelayMs: 40 };
    const { parts, error } = await drain(
      createTextModel(connection(), { timeoutMs: 300, maxRetries: 0 }).stream(REQUEST),
    );
    expect(error).toBeUndefined();
    expect(parts.at(-1)).toMatchObject({ type: 'done', result: { text: 'abcdefgh' } });
  });

  it('stops the HTTP call when the caller aborts a stream, and rethrows the caller reason', async () => {
    fake.setBehavior({ type: 'stall' });
    const controller = new AbortController();
    const iterator = createTextModel(connection(), FAST)
      .stream({ ...REQUEST, signal: controller.signal })
      [Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({
      done: false,
      value: { type: 'delta', text: DEFAULT_REPLY.chunks[0] },
    });
    controller.abort();
    const error = await rejectionOf(iterator.next());
    expect(error).toBe(controller.signal.reason);
    expect((error as Error).name).toBe('AbortError');
    await fake.requests[0]!.closed;
    expect(fake.requests[0]!.completed).toBe(false);
  });

  it('stops the HTTP call when the caller aborts a generate', async () => {
    fake.setBehavior({ type: 'delay', ms: 5_000 });
    const controller = new AbortController();
    const pending = createTextModel(connection(), FAST).generate({ ...REQUEST, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await rejectionOf(pending);
    expect(error).toBe(controller.signal.reason);
    await fake.requests[0]!.closed;
    expect(fake.requests[0]!.completed).toBe(false);
  });

  it('stops the HTTP call when the consumer stops reading early', async () => {
    fake.reply = { ...fake.reply, frameDelayMs: 200 };
    for await (const part of createTextModel(connection(), FAST).stream(REQUEST)) {
      expect(part).toEqual({ type: 'delta', text: DEFAULT_REPLY.chunks[0] });
      break;
    }
    await fake.requests[0]!.closed;
    expect(fake.requests[0]!.completed).toBe(false);
  });

  it('throws a ProviderError for an error event in the middle of a stream', async () => {
    fake.setBehavior({ type: 'stream-error' });
    const { parts, error } = await drain(createTextModel(connection(), FAST).stream(REQUEST));
    expect(parts).toEqual([{ type: 'delta', text: DEFAULT_REPLY.chunks[0] }]);
    expectProviderError(error, c.midStreamCode);
  });

  it('throws provider_bad_response when a stream ends before the provider said it was done', async () => {
    fake.setBehavior({ type: 'truncate' });
    const { parts, error } = await drain(createTextModel(connection(), FAST).stream(REQUEST));
    expect(parts).toEqual([{ type: 'delta', text: DEFAULT_REPLY.chunks[0] }]);
    expectProviderError(error, 'provider_bad_response');
  });

  it('throws provider_unavailable when the connection is cut mid-stream', async () => {
    fake.setBehavior({ type: 'drop' });
    const { parts, error } = await drain(createTextModel(connection(), FAST).stream(REQUEST));
    expect(parts).toEqual([{ type: 'delta', text: DEFAULT_REPLY.chunks[0] }]);
    expectProviderError(error, 'provider_unavailable');
  });
});

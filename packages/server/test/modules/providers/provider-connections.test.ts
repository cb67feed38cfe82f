// How a ProviderConnection is turned into calls: configuration problems, base URL forms and the
// credentials each provider actually receives.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createEmbeddingModel,
  createTextModel,
  resolveBaseUrl,
} from '../../../src/modules/providers/ai-sdk-models.ts';
import { ProviderError } from '../../../src/modules/providers/provider-errors.ts';
import type { GenerateRequest, ProviderConnection } from '../../../src/modules/providers/provider-types.ts';
import { type FakeLlmServer, startFakeOllama, startFakeOpenAI } from '../../fakes/fake-providers.ts';

const REQUEST: GenerateRequest = { system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] };

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

async function firstError(stream: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of stream) {
      // read to the end or the error
    }
  } catch (error) {
    return error;
  }
  throw new Error('expected the stream to fail');
}

let openai: FakeLlmServer;
let ollama: FakeLlmServer;
beforeAll(async () => {
  openai = await startFakeOpenAI();
  ollama = await startFakeOllama();
});
afterAll(async () => {
  await openai.close();
  await ollama.close();
});
beforeEach(() => {
  openai.reset();
  ollama.reset();
});

describe('configuration problems', () => {
  it.each(['openai', 'gemini', 'anthropic'] as const)(
    '%s without a key fails every call with provider_auth_failed, sending nothing',
    async (provider) => {
      const connection: ProviderConnection = {
        provider,
        model: 'some-model',
        embeddingModel: 'some-embedding-model',
        baseUrl: openai.baseUrl,
        apiKey: null,
      };
      // The factories never throw: the problem surfaces where call errors are handled anyway.
      const model = createTextModel(connection);
      const failures = [await rejectionOf(model.generate(REQUEST)), await firstError(model.stream(REQUEST))];
      const embedder = createEmbeddingModel(connection);
      if (embedder) failures.push(await rejectionOf(embedder.embed(['x'])));
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(ProviderError);
        expect(failure).toMatchObject({ code: 'provider_auth_failed', status: 502 });
      }
      expect(openai.requests).toHaveLength(0);
    },
  );

  it('openai_compatible without a base URL fails with provider_bad_request', async () => {
    const model = createTextModel({
      provider: 'openai_compatible',
      model: 'local',
      embeddingModel: null,
      baseUrl: null,
      apiKey: 'token-1234567',
    });
    expect(await rejectionOf(model.generate(REQUEST))).toMatchObject({ code: 'provider_bad_request' });
  });

  it('never reads provider keys or base URLs from the environment', async () => {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    process.env.OPENAI_API_KEY = 'sk-from-the-environment-123456';
    process.env.OPENAI_BASE_URL = openai.baseUrl;
    try {
      const model = createTextModel({
        provider: 'openai',
        model: 'gpt-4o-mini',
        embeddingModel: null,
        baseUrl: null,
        apiKey: null,
      });
      expect(await rejectionOf(model.generate(REQUEST))).toMatchObject({ code: 'provider_auth_failed' });
      expect(openai.requests).toHaveLength(0);
    } finally {
      for (const [name, value] of [
        ['OPENAI_API_KEY', saved.key],
        ['OPENAI_BASE_URL', saved.url],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('credentials sent', () => {
  it('sends no Authorization header to an OpenAI-compatible server without a key', async () => {
    const model = createTextModel({
      provider: 'openai_compatible',
      model: 'local',
      embeddingModel: null,
      baseUrl: openai.baseUrl,
      apiKey: null,
    });
    expect((await model.generate(REQUEST)).text).toBe('Hello from the fake model.');
    expect(openai.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('sends no Authorization header to plain Ollama, and a bearer token when one is configured', async () => {
    const connection: ProviderConnection = {
      provider: 'ollama',
      model: 'llama3.2',
      embeddingModel: null,
      baseUrl: ollama.baseUrl,
      apiKey: null,
    };
    await createTextModel(connection).generate(REQUEST);
    await createTextModel({ ...connection, apiKey: 'proxy-token-123456' }).generate(REQUEST);
    expect(ollama.requests.map((request) => request.headers.authorization)).toEqual([
      undefined,
      'Bearer proxy-token-123456',
    ]);
  });
});

describe('options.fetch', () => {
  it.each(['openai', 'ollama'] as const)(
    'carries every %s call (generate, stream, embed)',
    async (provider) => {
      const fake = provider === 'openai' ? openai : ollama;
      const seen: string[] = [];
      const fetch: typeof globalThis.fetch = (input, init) => {
        seen.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
        return globalThis.fetch(input, init);
      };
      const connection: ProviderConnection = {
        provider,
        model: 'm',
        embeddingModel: 'e',
        baseUrl: fake.baseUrl,
        apiKey: 'key-1234567',
      };
      const model = createTextModel(connection, { fetch });
      await model.generate(REQUEST);
      for await (const _ of model.stream(REQUEST)) {
        // read it all
      }
      await createEmbeddingModel(connection, { fetch })!.embed(['a', 'b']);
      expect(seen).toHaveLength(3);
      expect(seen).toEqual(fake.requests.map((request) => request.path));
    },
  );
});

describe('base URLs', () => {
  const connection = (
    provider: ProviderConnection['provider'],
    baseUrl: string | null,
  ): ProviderConnection => ({
    provider,
    model: 'm',
    embeddingModel: null,
    baseUrl,
    apiKey: 'k',
  });

  it('defaults to each provider public endpoint', () => {
    expect(resolveBaseUrl(connection('openai', null))).toBe('https://api.openai.com/v1');
    expect(resolveBaseUrl(connection('gemini', null))).toBe(
      'https://generativelanguage.googleapis.com/v1beta',
    );
    expect(resolveBaseUrl(connection('anthropic', null))).toBe('https://api.anthropic.com/v1');
    expect(resolveBaseUrl(connection('ollama', null))).toBe('http://127.0.0.1:11434/api');
    expect(resolveBaseUrl(connection('openai_compatible', null))).toBeNull();
  });

  it('accepts Ollama by its server root or its /api path, with or without a trailing slash', async () => {
    for (const baseUrl of [
      ollama.origin,
      `${ollama.origin}/`,
      `${ollama.origin}/api`,
      `${ollama.origin}/api/`,
    ]) {
      const model = createTextModel({ ...connection('ollama', baseUrl), model: 'llama3.2' });
      expect((await model.generate(REQUEST)).text).toBe('Hello from the fake model.');
    }
    expect(ollama.requests.map((request) => request.path)).toEqual(Array(4).fill('/api/chat'));
  });

  it('keeps an OpenAI base URL as configured, minus a trailing slash', () => {
    expect(resolveBaseUrl(connection('openai', 'https://api.groq.com/openai/v1/'))).toBe(
      'https://api.groq.com/openai/v1',
    );
  });
});

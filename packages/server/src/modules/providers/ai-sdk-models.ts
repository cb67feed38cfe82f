// TextModel and EmbeddingModel over the Vercel AI SDK, for the five LLM providers. Everything the
// rest of Parley sees is our own types: plain results, StreamParts, and ProviderError (or the
// caller's own abort reason when the caller aborted).
//
// Base URLs follow each SDK's convention and default to the public endpoint:
//   openai / openai_compatible  …/v1 (chat completions at {base}/chat/completions)
//   gemini                      …/v1beta (models at {base}/models/{model}:generateContent)
//   anthropic                   …/v1 ({base}/messages)
//   ollama                      the server root or …/api (native API at {base}/api/chat)
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  embedMany,
  type FinishReason,
  generateText,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  type EmbeddingModel as SdkEmbeddingModel,
  streamText,
} from 'ai';
import { createOllama } from 'ollama-ai-provider-v2';
import { guardOllamaStreams } from './ollama-stream-guard.ts';
import { type Call, startCall } from './provider-call.ts';
import { ProviderError, providerLabel } from './provider-errors.ts';
import type {
  EmbeddingModel,
  GenerateRequest,
  GenerateResult,
  LlmProvider,
  ProviderConnection,
  ProviderOptions,
  StreamPart,
  TextModel,
  Usage,
} from './provider-types.ts';

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 1;

const DEFAULT_BASE_URLS: Record<LlmProvider, string | null> = {
  openai: 'https://api.openai.com/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  anthropic: 'https://api.anthropic.com/v1',
  ollama: 'http://127.0.0.1:11434/api',
  openai_compatible: null,
};

// These three never answer without a key; failing before the request saves a round trip and, for
// OpenAI, keeps the SDK from falling back to process.env.OPENAI_API_KEY behind our back.
const KEY_REQUIRED = new Set<LlmProvider>(['openai', 'gemini', 'anthropic']);

export function resolveBaseUrl(connection: ProviderConnection): string | null {
  const configured = connection.baseUrl?.trim().replace(/\/+$/, '');
  if (!configured) return DEFAULT_BASE_URLS[connection.provider];
  // People configure Ollama by its server root (as OLLAMA_HOST / OLLAMA_BASE_URL do); the native
  // API the SDK speaks lives under /api.
  if (connection.provider === 'ollama' && !configured.endsWith('/api')) return `${configured}/api`;
  return configured;
}

interface SdkProvider {
  language(modelId: string): LanguageModel;
  embedding(modelId: string): SdkEmbeddingModel | null;
}

function sdkProvider(
  connection: ProviderConnection,
  baseURL: string,
  fetch: typeof globalThis.fetch | undefined,
  /** Where failures found outside the SDK's view (Ollama's stream guard) go. */
  report: (failure: ProviderError) => void,
): SdkProvider {
  // Always an explicit key and base URL: the SDKs would otherwise read OPENAI_API_KEY,
  // OPENAI_BASE_URL, ANTHROPIC_BASE_URL… from the environment, and only config.ts may do that.
  const apiKey = connection.apiKey ?? '';
  switch (connection.provider) {
    case 'openai': {
      const openai = createOpenAI({ apiKey, baseURL, fetch });
      // .chat: chat completions, which every OpenAI-compatible server implements (not /responses).
      return {
        language: (id) => openai.chat(id),
        embedding: (id) => openai.embedding(id),
      };
    }
    case 'gemini': {
      const google = createGoogleGenerativeAI({ apiKey, baseURL, fetch });
      return {
        language: (id) => google.chat(id),
        embedding: (id) => google.embedding(id),
      };
    }
    case 'anthropic': {
      const anthropic = createAnthropic({ apiKey, baseURL, fetch });
      return { language: (id) => anthropic.messages(id), embedding: () => null };
    }
    case 'ollama': {
      // Plain Ollama has no auth; a key is for Ollama behind a proxy or a hosted Ollama.
      const headers = connection.apiKey ? { Authorization: `Bearer ${connection.apiKey}` } : undefined;
      const base = fetch ?? ((input, init) => globalThis.fetch(input, init));
      const ollama = createOllama({ baseURL, fetch: guardOllamaStreams(base, report), headers });
      return {
        language: (id) => ollama.chat(id),
        embedding: (id) => ollama.embedding(id),
      };
    }
    case 'openai_compatible': {
      const compatible = createOpenAICompatible({
        name: 'openai_compatible',
        baseURL,
        apiKey: connection.apiKey ?? undefined,
        fetch,
        // Asks for stream_options.include_usage, so streamed replies report tokens too.
        includeUsage: true,
      });
      return {
        language: (id) => compatible.chatModel(id),
        embedding: (id) => compatible.embeddingModel(id),
      };
    }
  }
}

/** Where calls go, or the configuration problem that makes every call fail. */
function resolveTarget(connection: ProviderConnection): { baseURL: string } | { problem: ProviderError } {
  const provider = connection.provider;
  const baseURL = resolveBaseUrl(connection);
  if (baseURL === null) {
    return {
      problem: new ProviderError(
        'provider_bad_request',
        `${providerLabel(provider)} needs a base URL (e.g. http://localhost:8000/v1).`,
        { provider },
      ),
    };
  }
  if (KEY_REQUIRED.has(provider) && !connection.apiKey) {
    return {
      problem: new ProviderError(
        'provider_auth_failed',
        `No API key is configured for ${providerLabel(provider)}.`,
        {
          provider,
        },
      ),
    };
  }
  return { baseURL };
}

export function toUsage(usage: LanguageModelUsage | undefined): Usage {
  const count = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : 0);
  return { inputTokens: count(usage?.inputTokens), outputTokens: count(usage?.outputTokens) };
}

function toFinishReason(reason: FinishReason | undefined): GenerateResult['finishReason'] {
  return reason === 'stop' || reason === 'length' || reason === 'error' ? reason : 'other';
}

function promptOf(connection: ProviderConnection, request: GenerateRequest) {
  const messages: ModelMessage[] = request.messages.map((turn) => ({
    role: turn.role,
    content: turn.content,
  }));
  return {
    instructions: request.system === '' ? undefined : request.system,
    messages,
    temperature: request.temperature,
    maxOutputTokens: request.maxOutputTokens,
    providerOptions: providerOptionsOf(connection.provider, request),
  };
}

// ollama-ai-provider-v2 sends temperature and max_output_tokens at the top level of /api/chat,
// where Ollama ignores them: the server reads sampling settings from `options` only.
function providerOptionsOf(provider: LlmProvider, request: GenerateRequest) {
  if (provider !== 'ollama') return undefined;
  const options: Record<string, number> = {};
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.maxOutputTokens !== undefined) options.num_predict = request.maxOutputTokens;
  return { ollama: { options } };
}

/**
 * What the text and embedding models of one connection share. Configuration problems (no key, no
 * base URL) are thrown by start(), so they surface from the first call, never from the factories.
 */
export function prepare(connection: ProviderConnection, options: ProviderOptions) {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const target = resolveTarget(connection);
  return {
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    /** One call: its timer and signals, and SDK models wired to it (building them does no I/O). */
    start(signal: AbortSignal | undefined): { call: Call; sdk: SdkProvider } {
      if ('problem' in target) throw target.problem;
      const call = startCall(connection, timeoutMs, signal);
      return { call, sdk: sdkProvider(connection, target.baseURL, options.fetch, call.report) };
    },
  };
}

/**
 * A TextModel for one provider connection. Never throws: configuration problems (no key, no base
 * URL) surface as a ProviderError from the first generate/stream call.
 */
export function createTextModel(connection: ProviderConnection, options: ProviderOptions = {}): TextModel {
  const { maxRetries, start } = prepare(connection, options);

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    const { call, sdk } = start(request.signal);
    try {
      const result = await generateText({
        model: sdk.language(connection.model),
        ...promptOf(connection, request),
        maxRetries,
        abortSignal: call.signal,
      });
      return {
        text: result.text,
        usage: toUsage(result.totalUsage),
        model: result.response.modelId || connection.model,
        finishReason: toFinishReason(result.finishReason),
      };
    } catch (error) {
      throw call.failure(error);
    } finally {
      call.end();
    }
  }

  async function* stream(request: GenerateRequest): AsyncGenerator<StreamPart> {
    const { call, sdk } = start(request.signal);
    try {
      const result = streamText({
        model: sdk.language(connection.model),
        ...promptOf(connection, request),
        maxRetries,
        abortSignal: call.signal,
        // Errors are read from fullStream below; the default handler would console.error the
        // whole APICallError, response body (and any echoed key) included.
        onError: () => {},
      });
      let text = '';
      let modelId = connection.model;
      let finish: { reason: FinishReason; usage: LanguageModelUsage } | null = null;
      // fullStream, not textStream: an HTTP error before the first token, or an error event
      // mid-stream, is an 'error' part here; textStream would just end as if the reply were done.
      for await (const part of result.fullStream) {
        call.disarm();
        switch (part.type) {
          case 'text-delta':
            if (part.text !== '') {
              text += part.text;
              yield { type: 'delta', text: part.text };
            }
            break;
          case 'finish-step':
            if (part.response.modelId) modelId = part.response.modelId;
            break;
          case 'finish':
            finish = { reason: part.finishReason, usage: part.totalUsage };
            break;
          case 'error':
            throw part.error;
          case 'abort':
            // Our signal fired (timeout or caller): failure() tells which.
            throw new DOMException('The provider call was aborted.', 'AbortError');
        }
        call.arm();
      }
      const reported = call.reported();
      if (reported) throw reported;
      // 'interrupted': the body ended before the provider said it was done (no finish reason,
      // no [DONE]); the text so far is a fragment, not a reply.
      if (!finish || finish.reason === 'interrupted') {
        throw new ProviderError(
          'provider_bad_response',
          `${providerLabel(connection.provider)} ended the stream before finishing the reply.`,
          { provider: connection.provider },
        );
      }
      yield {
        type: 'done',
        result: {
          text,
          usage: toUsage(finish.usage),
          model: modelId,
          finishReason: toFinishReason(finish.reason),
        },
      };
    } catch (error) {
      throw call.failure(error);
    } finally {
      // Also runs when the consumer stops iterating early: the HTTP stream must not linger.
      call.end();
    }
  }

  return { provider: connection.provider, model: connection.model, generate, stream };
}

/**
 * An EmbeddingModel for the connection's embedding model, or null when it has none or the
 * provider has no embeddings API (Anthropic).
 */
export function createEmbeddingModel(
  connection: ProviderConnection,
  options: ProviderOptions = {},
): EmbeddingModel | null {
  const modelId = connection.embeddingModel;
  if (!modelId || connection.provider === 'anthropic') return null;
  const { maxRetries, start } = prepare(connection, options);

  return {
    provider: connection.provider,
    model: modelId,
    async embed(texts, embedOptions = {}) {
      const { call, sdk } = start(embedOptions.signal);
      if (texts.length === 0) {
        call.end();
        return { embeddings: [], usage: { tokens: 0 } };
      }
      try {
        // Never null here: the providers without embeddings were turned away above.
        const model = sdk.embedding(modelId)!;
        const result = await embedMany({ model, values: texts, maxRetries, abortSignal: call.signal });
        // Gemini reports no token count; the SDK then says NaN.
        const tokens = Number.isFinite(result.usage.tokens) ? result.usage.tokens : 0;
        return { embeddings: result.embeddings, usage: { tokens } };
      } catch (error) {
        throw call.failure(error);
      } finally {
        call.end();
      }
    },
  };
}

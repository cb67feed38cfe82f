// The one provider layer: every way Parley talks to a language model goes through these types,
// whether an AI SDK provider (OpenAI, Gemini, Anthropic, Ollama, any OpenAI-compatible server)
// or the built-in offline extractive answerer.

export const LLM_PROVIDERS = ['openai', 'gemini', 'anthropic', 'ollama', 'openai_compatible'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export type ProviderName = LlmProvider | 'extractive';

/** What an integration row holds, decrypted: everything needed to reach one provider. */
export interface ProviderConnection {
  provider: LlmProvider;
  model: string;
  embeddingModel: string | null;
  /** null: the provider's public endpoint (Ollama: http://127.0.0.1:11434). */
  baseUrl: string | null;
  apiKey: string | null;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** A retrieved piece of knowledge, numbered [1], [2], … in prompts and citations. */
export interface Passage {
  id: string;
  title: string;
  url: string | null;
  heading?: string | null;
  text: string;
  /** Retrieval score, higher is better; scale depends on the retriever. */
  score?: number;
}

export interface GenerateRequest {
  /** Full system prompt (persona, grounding rules, numbered context). */
  system: string;
  /** The conversation so far, ending with the user's question. */
  messages: ChatTurn[];
  /** The retrieved passages; the extractive answerer composes its reply from them. */
  passages?: Passage[];
  /** Said by the extractive answerer when no passage answers the question. */
  fallbackMessage?: string;
  temperature?: number;
  maxOutputTokens?: number;
  /** Aborts the provider call (client went away). */
  signal?: AbortSignal;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface GenerateResult {
  text: string;
  usage: Usage;
  /** The model that answered, e.g. "gpt-4o-mini" or "extractive". */
  model: string;
  finishReason: 'stop' | 'length' | 'error' | 'other';
  /** Ids of the passages the reply drew on (extractive answers always say; LLMs when known). */
  passageIds?: string[];
  /** False when the reply is the fallback message because nothing in the passages matched. */
  grounded?: boolean;
}

export type StreamPart = { type: 'delta'; text: string } | { type: 'done'; result: GenerateResult };

export interface TextModel {
  provider: ProviderName;
  model: string;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** Yields text deltas, then exactly one `done` with the whole result. Throws ProviderError. */
  stream(request: GenerateRequest): AsyncIterable<StreamPart>;
}

export interface EmbedResult {
  embeddings: number[][];
  usage: { tokens: number };
}

export interface EmbeddingModel {
  /** 'local': a model folder on this machine (PARLEY_EMBEDDING_MODEL_DIR), no network. */
  provider: LlmProvider | 'local';
  model: string;
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<EmbedResult>;
}

export interface ProviderOptions {
  /** fetch used for every provider call: the SSRF guard and tests plug in here. */
  fetch?: typeof fetch;
  /** Per-call timeout; a call past it fails with ProviderError code provider_timeout. */
  timeoutMs?: number;
  /** Retries on 429/5xx inside one call (the AI SDK's maxRetries). */
  maxRetries?: number;
}

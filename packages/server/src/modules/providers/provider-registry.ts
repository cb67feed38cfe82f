// Picks the model for a connection: an AI SDK provider, or the offline extractive answerer when
// there is no connection (no integration, or test mode). Every call goes through the safe fetch.
import type { SafeFetch } from '../../lib/safe-fetch.ts';
import { createEmbeddingModel, createTextModel } from './ai-sdk-models.ts';
import { createExtractiveModel } from './extractive-model.ts';
import type { EmbeddingModel, ProviderConnection, TextModel } from './provider-types.ts';
import { createToolCallingModel, type ToolCallingModel } from './tool-calling-model.ts';

export interface ProviderRegistry {
  textModel(connection: ProviderConnection | null, options?: { timeoutMs?: number }): TextModel;
  embeddingModel(connection: ProviderConnection): EmbeddingModel | null;
  /**
   * The model a chatbot's chunks and questions are embedded with: its integration's embedding
   * model (live data only: test mode never calls a paid provider), else the local model folder
   * the operator configured, else none (text search alone).
   */
  embeddingFor(connection: ProviderConnection | null, environment: 'live' | 'test'): EmbeddingModel | null;
  /** A model that calls tools; the offline answerer has none, so a connection is required. */
  toolModel(connection: ProviderConnection): ToolCallingModel;
}

export function createProviderRegistry(deps: {
  fetch: SafeFetch;
  timeoutMs?: number;
  /** PARLEY_EMBEDDING_MODEL_DIR's model, loaded at start. */
  localEmbedding?: EmbeddingModel | null;
}): ProviderRegistry {
  const extractive = createExtractiveModel();
  const local = deps.localEmbedding ?? null;
  return {
    textModel(connection, options = {}) {
      if (!connection) return extractive;
      return createTextModel(connection, {
        fetch: deps.fetch,
        timeoutMs: options.timeoutMs ?? deps.timeoutMs,
      });
    },
    embeddingModel(connection) {
      return createEmbeddingModel(connection, { fetch: deps.fetch, timeoutMs: deps.timeoutMs });
    },
    embeddingFor(connection, environment) {
      const remote =
        connection?.embeddingModel && environment === 'live' ? this.embeddingModel(connection) : null;
      return remote ?? local;
    },
    toolModel(connection) {
      return createToolCallingModel(connection, { fetch: deps.fetch, timeoutMs: deps.timeoutMs });
    },
  };
}

// The provider registry of a server, from its configuration: every provider call through the safe
// fetch, and the operator's local embedding model, loaded once at start.
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import { createSafeFetch } from '../../lib/safe-fetch.ts';
import { loadLocalEmbeddingModel } from './local-embedding.ts';
import { createProviderRegistry, type ProviderRegistry } from './provider-registry.ts';

export function providersFromConfig(
  config: Config,
  logger: Logger,
  vectorEnabled: boolean,
): ProviderRegistry {
  const localEmbedding = config.embeddingModelDir ? loadLocalEmbeddingModel(config.embeddingModelDir) : null;
  if (localEmbedding && vectorEnabled) {
    logger.info(
      { model: localEmbedding.model, dimensions: localEmbedding.dimensions },
      'local embedding model loaded: chatbots without an integration embedding model search by meaning with it',
    );
  } else if (localEmbedding) {
    logger.warn(
      { model: localEmbedding.model },
      'local embedding model loaded, but the database has no pgvector: search stays by text',
    );
  }
  return createProviderRegistry({
    fetch: createSafeFetch({
      allowPrivateNetwork: config.allowPrivateNetwork,
      // The operator's own Ollama (often on localhost) stays reachable for provider calls, on its
      // configured origin only: not its host's other ports, and never for the crawler.
      trustedOrigins: config.providerDefaults.ollamaBaseUrl ? [config.providerDefaults.ollamaBaseUrl] : [],
    }),
    localEmbedding,
  });
}

// Embeds the chunks that have no embedding from their chatbot's present model: knowledge added
// before an embedding model was set (an integration's, or the operator's local model folder), or
// before the model changed. Runs as a scheduled job, a bounded number of chunks per run, so that a
// large backlog is worked off over several runs and never holds a worker for long.
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { IntegrationService } from '../integrations/integration-service.ts';
import type { ProviderRegistry } from '../providers/provider-registry.ts';
import { countEmbedded, missingEmbeddings } from './embedding-repository.ts';
import { BATCH, embedChunks } from './source-embedding.ts';

export interface EmbeddingStatus {
  /** The model the chatbot's chunks and questions are embedded with; null: text search alone. */
  model: string | null;
  /** Whether the database can hold vectors (pgvector). */
  vectorSearch: boolean;
  chunks: number;
  /** Chunks with an embedding from that model. */
  embedded: number;
}

/** Chunks one run embeds at most; the next run goes on. */
const RUN_BUDGET = 4096;
/**
 * Younger chunks are left to the ingestion that stored them and embeds them right after (a
 * large document's take a while); one it failed to embed is taken up once this old.
 */
const MIN_AGE_SECONDS = 600;

export function createEmbeddingBackfill(deps: {
  db: Database;
  logger: Logger;
  integrations: Pick<IntegrationService, 'connectionFor'>;
  providers: Pick<ProviderRegistry, 'embeddingFor'>;
  vectorEnabled: boolean;
}) {
  const { db, logger } = deps;
  return {
    /** How far a chatbot's chunks are embedded with its present model. */
    async status(scope: Scope, chatbotId: string): Promise<EmbeddingStatus> {
      const connection = await deps.integrations.connectionFor(scope, chatbotId);
      const model = deps.providers.embeddingFor(connection, scope.environment)?.model ?? null;
      const counts = await countEmbedded(db, chatbotId, deps.vectorEnabled ? model : null);
      return { model, vectorSearch: deps.vectorEnabled, ...counts };
    },

    /** Embeds up to RUN_BUDGET chunks; returns how many it embedded. */
    async run(budget = RUN_BUDGET): Promise<number> {
      if (!deps.vectorEnabled) return 0;
      // Without a local model, only live chatbots whose integration names an embedding model.
      const local = deps.providers.embeddingFor(null, 'test') !== null;
      const bots = await db.query<{ id: string; workspace_id: string; environment: 'live' | 'test' }>(
        local
          ? `SELECT id, workspace_id, environment FROM chatbots WHERE deleted_at IS NULL ORDER BY id`
          : `SELECT b.id, b.workspace_id, b.environment FROM chatbots b
             JOIN integrations i ON i.chatbot_id = b.id AND i.status <> 'disabled' AND i.embedding_model IS NOT NULL
             WHERE b.deleted_at IS NULL AND b.environment = 'live' ORDER BY b.id`,
      );
      let embedded = 0;
      for (const bot of bots) {
        if (embedded >= budget) break;
        const scope = { workspaceId: bot.workspace_id, environment: bot.environment };
        const model = deps.providers.embeddingFor(
          await deps.integrations.connectionFor(scope, bot.id),
          bot.environment,
        );
        if (!model) continue;
        try {
          while (embedded < budget) {
            const chunks = await missingEmbeddings(
              db.orm,
              bot.id,
              model.model,
              Math.min(BATCH, budget - embedded),
              MIN_AGE_SECONDS,
            );
            if (chunks.length === 0) break;
            await embedChunks(db, model, bot.id, chunks);
            embedded += chunks.length;
          }
        } catch (error) {
          // A provider that fails, or a chunk deleted meanwhile: this bot waits for the next run.
          logger.warn(
            { chatbotId: bot.id, model: model.model, err: error },
            'embedding existing chunks failed',
          );
        }
      }
      if (embedded > 0) logger.info({ embedded }, 'embedded existing chunks');
      return embedded;
    },
  };
}

export type EmbeddingBackfill = ReturnType<typeof createEmbeddingBackfill>;

// Embeds a document's chunks when its chatbot has an embedding model, in batches, after the
// chunks are committed (no network call inside a transaction). Lexical search never waits on it:
// a failed embedding call leaves the chunks searchable by text and is reported on the document.
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import type { EmbeddingModel } from '../providers/provider-types.ts';
import { documentChunks, insertEmbeddings } from './embedding-repository.ts';

/** Chunks embedded in one call to the model. */
export const BATCH = 64;

export async function embedDocument(
  deps: { db: Database; logger: Logger },
  model: EmbeddingModel,
  target: { chatbotId: string; documentId: string },
): Promise<number> {
  const chunks = await documentChunks(deps.db.orm, target.documentId);
  for (let start = 0; start < chunks.length; start += BATCH) {
    await embedChunks(deps.db, model, target.chatbotId, chunks.slice(start, start + BATCH));
  }
  return chunks.length;
}

/** Embeds one batch of a chatbot's chunks and stores their vectors. */
export async function embedChunks(
  db: Database,
  model: EmbeddingModel,
  chatbotId: string,
  batch: { id: string; title: string; heading: string; text: string }[],
): Promise<void> {
  // The title and heading make a short chunk's meaning clear to the embedding model too.
  const texts = batch.map((chunk) => [chunk.title, chunk.heading, chunk.text].filter(Boolean).join('\n'));
  const { embeddings } = await model.embed(texts);
  await insertEmbeddings(
    db.orm,
    batch.map((chunk, i) => ({
      chunkId: chunk.id,
      chatbotId,
      model: model.model,
      embedding: embeddings[i]!,
    })),
  );
}

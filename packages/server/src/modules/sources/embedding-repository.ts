// SQL for chunk embeddings (pgvector). Only used where the vector migrations applied.
import { and, eq, lt, notExists, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.ts';
import { chunks } from '../../db/schema.ts';

export interface EmbeddingRow {
  chunkId: string;
  chatbotId: string;
  model: string;
  embedding: number[];
}

export async function insertEmbeddings(db: Executor, rows: EmbeddingRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = sql.join(
    rows.map(
      (row) =>
        sql`(${row.chunkId}, ${row.chatbotId}, ${row.model}, ${row.embedding.length}, ${`[${row.embedding.join(',')}]`}::vector)`,
    ),
    sql`, `,
  );
  await db.execute(sql`
    INSERT INTO chunk_embeddings (chunk_id, chatbot_id, model, dimensions, embedding) VALUES ${values}
    ON CONFLICT (chunk_id) DO UPDATE SET model = excluded.model, dimensions = excluded.dimensions, embedding = excluded.embedding`);
}

/** Chunks of a document, in order, for embedding. */
export function documentChunks(db: Executor, documentId: string) {
  return db
    .select({ id: chunks.id, text: chunks.text, title: chunks.title, heading: chunks.heading })
    .from(chunks)
    .where(eq(chunks.documentId, documentId))
    .orderBy(chunks.position);
}

/**
 * Chunks of a chatbot with no embedding from `model` (none, or another model's), stored at least
 * `minAgeSeconds` ago: younger ones are being embedded by the ingestion that stored them.
 */
export function missingEmbeddings(
  db: Executor,
  chatbotId: string,
  model: string,
  limit: number,
  minAgeSeconds: number,
) {
  return db
    .select({ id: chunks.id, text: chunks.text, title: chunks.title, heading: chunks.heading })
    .from(chunks)
    .where(
      and(
        eq(chunks.chatbotId, chatbotId),
        lt(chunks.createdAt, sql`now() - make_interval(secs => ${minAgeSeconds})`),
        notExists(
          sql`(SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = ${chunks.id} AND e.model = ${model})`,
        ),
      ),
    )
    .orderBy(chunks.id)
    .limit(limit);
}

/** A chatbot's chunks, and how many have an embedding from `model` (none without one). */
export async function countEmbedded(
  db: Database,
  chatbotId: string,
  model: string | null,
): Promise<{ chunks: number; embedded: number }> {
  const [row] = model
    ? await db.query<{ chunks: number; embedded: number }>(
        `SELECT count(*)::int AS chunks, count(e.chunk_id)::int AS embedded
         FROM chunks c LEFT JOIN chunk_embeddings e ON e.chunk_id = c.id AND e.model = $2
         WHERE c.chatbot_id = $1`,
        [chatbotId, model],
      )
    : await db.query<{ chunks: number; embedded: number }>(
        'SELECT count(*)::int AS chunks, 0 AS embedded FROM chunks WHERE chatbot_id = $1',
        [chatbotId],
      );
  return { chunks: Number(row?.chunks ?? 0), embedded: Number(row?.embedded ?? 0) };
}

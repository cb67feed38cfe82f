// SQL of retrieval. The lexical index (retrieval_postings, retrieval_terms, retrieval_corpus) is
// written only by the triggers on chunks (migration 0008); this file only reads it. Every query
// starts from a chatbot id the service has already checked against the caller's scope, and the
// rows returned to callers are filtered on workspace and environment again.
import type { Database } from '../../db/client.ts';
import type { TextSearchLanguage } from '../../lib/text-search.ts';

export interface Scope {
  workspaceId: string;
  environment: 'live' | 'test';
}

export interface QueryTerm {
  lexeme: string;
  /** 0 when the bot has no chunk with this lexeme. */
  df: number;
  /** For unknown lexemes: known ones that look alike (pg_trgm), to repair misspellings. */
  neighbours: { lexeme: string; df: number }[];
}

/** Trigram neighbours are looked up only for unknown words this long or longer. */
const MIN_REPAIR_LENGTH = 5;

/**
 * The question's lexemes as the bot's text search configuration makes them, with their document
 * frequency in the bot's chunks, and the bot's chunk count. One round trip.
 */
export async function queryTerms(
  db: Database,
  chatbotId: string,
  language: TextSearchLanguage,
  query: string,
): Promise<{ chunks: number; terms: QueryTerm[] }> {
  const rows = await db.query<{
    lexeme: string | null;
    df: number | null;
    chunks: number | null;
    neighbours: { lexeme: string; df: number }[] | null;
  }>(
    `WITH corpus AS (SELECT chunks FROM retrieval_corpus WHERE chatbot_id = $1),
     q AS (
       SELECT DISTINCT q.lexeme, t.df
       FROM unnest(to_tsvector($2::regconfig, $3)) AS q
       LEFT JOIN retrieval_terms AS t ON t.chatbot_id = $1 AND t.lexeme = q.lexeme
     )
     SELECT q.lexeme, q.df, (SELECT chunks FROM corpus) AS chunks,
       CASE WHEN q.df IS NULL AND length(q.lexeme) >= ${MIN_REPAIR_LENGTH} THEN (
         SELECT json_agg(json_build_object('lexeme', n.lexeme, 'df', n.df))
         FROM (
           SELECT t.lexeme, t.df FROM retrieval_terms AS t
           WHERE t.chatbot_id = $1 AND t.lexeme % q.lexeme
           ORDER BY similarity(t.lexeme, q.lexeme) DESC, t.df DESC
           LIMIT 8
         ) AS n
       ) END AS neighbours
     FROM q
     UNION ALL
     SELECT NULL, NULL, (SELECT chunks FROM corpus), NULL`,
    [chatbotId, language, query],
  );
  let chunks = 0;
  const terms: QueryTerm[] = [];
  for (const row of rows) {
    if (row.lexeme === null) {
      chunks = row.chunks ?? 0;
      continue;
    }
    terms.push({ lexeme: row.lexeme, df: row.df ?? 0, neighbours: row.neighbours ?? [] });
  }
  return { chunks, terms };
}

export interface WeightedTerm {
  lexeme: string;
  weight: number;
  /** Read in full to find candidates; the other terms are only looked up for the candidates. */
  driving: boolean;
}

export interface ScoredChunk {
  chunkId: string;
  documentId: string;
  score: number;
  matched: number;
  /** Set for Q&A pairs. */
  question: string | null;
  /** The question's lexemes, for Q&A pairs. */
  questionLexemes: string[] | null;
}

/**
 * BM25 over the postings, in two steps that keep the work bounded on large bots: the postings of
 * the driving (rarer) terms are summed to pick `candidates` chunks, then the other terms'
 * postings are looked up for those chunks only, through the covering index.
 */
export async function scoreChunks(
  db: Database,
  chatbotId: string,
  language: TextSearchLanguage,
  terms: WeightedTerm[],
  options: { candidates: number; limit: number },
): Promise<ScoredChunk[]> {
  const rows = await db.query<{
    chunk_id: string;
    document_id: string;
    score: number;
    matched: number;
    question: string | null;
    question_lexemes: string[] | null;
  }>(
    `WITH q AS (
       SELECT * FROM unnest($2::text[], $3::float8[], $4::boolean[]) AS q(lexeme, weight, driving)
     ),
     candidates AS (
       SELECT p.chunk_id, sum(q.weight * p.impact) AS score, sum(q.weight) AS matched
       FROM q JOIN retrieval_postings AS p ON p.chatbot_id = $1 AND p.lexeme = q.lexeme
       WHERE q.driving
       GROUP BY p.chunk_id
       ORDER BY score DESC
       LIMIT $5
     ),
     others AS (
       SELECT c.chunk_id, sum(q.weight * p.impact) AS score, sum(q.weight) AS matched
       FROM candidates AS c
       CROSS JOIN q
       CROSS JOIN LATERAL (
         SELECT p.impact FROM retrieval_postings AS p
         WHERE p.chatbot_id = $1 AND p.lexeme = q.lexeme AND p.chunk_id = c.chunk_id
         LIMIT 1
       ) AS p
       WHERE NOT q.driving
       GROUP BY c.chunk_id
     ),
     ranked AS (
       SELECT c.chunk_id, c.score + coalesce(o.score, 0) AS score, c.matched + coalesce(o.matched, 0) AS matched
       FROM candidates AS c LEFT JOIN others AS o USING (chunk_id)
       ORDER BY score DESC
       LIMIT $6
     )
     SELECT r.chunk_id, ch.document_id, r.score, r.matched, ch.question,
       CASE WHEN ch.question IS NOT NULL
         THEN tsvector_to_array(to_tsvector($7::regconfig, ch.question)) END AS question_lexemes
     FROM ranked AS r JOIN chunks AS ch ON ch.id = r.chunk_id
     ORDER BY r.score DESC`,
    [
      chatbotId,
      terms.map((term) => term.lexeme),
      terms.map((term) => term.weight),
      terms.map((term) => term.driving),
      options.candidates,
      options.limit,
      language,
    ],
  );
  return rows.map((row) => ({
    chunkId: row.chunk_id,
    documentId: row.document_id,
    score: Number(row.score),
    matched: Number(row.matched),
    question: row.question,
    questionLexemes: row.question_lexemes,
  }));
}

/**
 * Nearest chunks by embedding (pgvector, cosine), among the bot's chunks embedded with the same
 * model. The cast to the vector's size matches the partial HNSW indexes of migration set vector.
 */
export async function nearestChunks(
  db: Database,
  chatbotId: string,
  model: string,
  embedding: number[],
  limit: number,
): Promise<{ chunkId: string; similarity: number }[]> {
  const dimensions = embedding.length;
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16_000) return [];
  const vector = `[${embedding.map((value) => (Number.isFinite(value) ? value : 0)).join(',')}]`;
  const rows = await db.query<{ chunk_id: string; distance: number }>(
    `SELECT chunk_id, embedding::vector(${dimensions}) <=> $3::vector(${dimensions}) AS distance
     FROM chunk_embeddings
     WHERE chatbot_id = $1 AND model = $2 AND dimensions = ${dimensions}
     ORDER BY embedding::vector(${dimensions}) <=> $3::vector(${dimensions})
     LIMIT $4`,
    [chatbotId, model, vector, limit],
  );
  return rows.map((row) => ({ chunkId: row.chunk_id, similarity: 1 - Number(row.distance) }));
}

export interface ChunkRow {
  id: string;
  source_id: string;
  document_id: string;
  title: string;
  url: string | null;
  heading: string;
  text: string;
  question: string | null;
}

/** The chunks to return, within the caller's scope and bot. */
export async function findChunks(
  db: Database,
  scope: Scope,
  chatbotId: string,
  ids: string[],
): Promise<Map<string, ChunkRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<ChunkRow>(
    `SELECT id, source_id, document_id, title, url, heading, text, question FROM chunks
     WHERE id = ANY($1::uuid[]) AND workspace_id = $2 AND environment = $3 AND chatbot_id = $4`,
    [ids, scope.workspaceId, scope.environment, chatbotId],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

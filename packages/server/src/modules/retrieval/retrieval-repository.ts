// SQL of retrieval. The lexical index (retrieval_postings, retrieval_terms, retrieval_corpus) is
// written only by the triggers on chunks (migration 0008); this file only reads it. Every query
// starts from a chatbot id the service has already checked against the caller's scope, and the
// rows returned to callers are filtered on workspace and environment again.
//
// Lookups go through LATERAL subqueries fenced with OFFSET 0: each becomes one index probe per
// term or chunk whatever the planner's statistics say. With stale statistics (right after a big
// ingest, or on the embedded database, which has no autoanalyze) a plain join was seen hashing
// all 21k terms of a bot for a five-word question.
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { TextSearchLanguage } from '../../lib/text-search.ts';

export interface QueryTerm {
  lexeme: string;
  /** 0 when the bot has no chunk with this lexeme. */
  df: number;
}

/** The lexemes each word makes under a text search configuration (none for a stop word). */
export async function wordLexemes(
  db: Database,
  language: TextSearchLanguage,
  words: string[],
): Promise<Map<string, string[]>> {
  const lexemes = new Map<string, string[]>(words.map((word) => [word, []]));
  if (words.length === 0) return lexemes;
  const rows = await db.query<{ word: string; lexeme: string }>(
    `SELECT w.word, l.lexeme
     FROM unnest($2::text[]) AS w(word)
     CROSS JOIN LATERAL unnest(to_tsvector($1::regconfig, w.word)) AS l`,
    [language, words],
  );
  for (const row of rows) lexemes.get(row.word)?.push(row.lexeme);
  return lexemes;
}

/**
 * The question's lexemes as the bot's text search configuration makes them, with their document
 * frequency in the bot's chunks; the document frequency of other lexemes (those of the question's
 * words' relatives); and the bot's chunk count. One round trip.
 */
export async function queryTerms(
  db: Database,
  chatbotId: string,
  language: TextSearchLanguage,
  query: string,
  lexemes: string[] = [],
): Promise<{ chunks: number; terms: QueryTerm[]; df: Map<string, number> }> {
  const rows = await db.query<{
    kind: number;
    lexeme: string | null;
    df: number | null;
    chunks: number | null;
  }>(
    `SELECT 0 AS kind, q.lexeme, t.df, NULL::integer AS chunks
     FROM unnest(to_tsvector($2::regconfig, $3)) AS q
     LEFT JOIN LATERAL (
       SELECT t.df FROM retrieval_terms AS t WHERE t.chatbot_id = $1 AND t.lexeme = q.lexeme OFFSET 0
     ) AS t ON true
     UNION ALL
     SELECT 1, t.lexeme, t.df, NULL
     FROM retrieval_terms AS t WHERE t.chatbot_id = $1 AND t.lexeme = ANY($4::text[])
     UNION ALL
     SELECT 2, NULL, NULL, (SELECT chunks FROM retrieval_corpus WHERE chatbot_id = $1)`,
    [chatbotId, language, query, lexemes],
  );
  let chunks = 0;
  const terms: QueryTerm[] = [];
  const df = new Map<string, number>();
  for (const row of rows) {
    if (row.kind === 2) chunks = row.chunks ?? 0;
    else if (row.kind === 0) terms.push({ lexeme: row.lexeme!, df: row.df ?? 0 });
    else df.set(row.lexeme!, row.df ?? 0);
  }
  return { chunks, terms, df };
}

/**
 * Known lexemes that may be what an unknown word meant: its trigram neighbours in the bot's
 * vocabulary (pg_trgm), and those of its one-edit variants that the bot knows (pg_trgm misses
 * transpositions in short words: "idnex" shares two trigrams with "index").
 */
export async function vocabularyNeighbours(
  db: Database,
  chatbotId: string,
  words: { word: string; variants: string[] }[],
): Promise<Map<string, { lexeme: string; df: number }[]>> {
  const neighbours = new Map<string, { lexeme: string; df: number }[]>(words.map(({ word }) => [word, []]));
  if (words.length === 0) return neighbours;
  const variantOf = new Map<string, string[]>();
  for (const { word, variants } of words) {
    for (const variant of variants) variantOf.set(variant, [...(variantOf.get(variant) ?? []), word]);
  }
  const rows = await db.query<{ word: string | null; lexeme: string; df: number }>(
    `SELECT w.word, n.lexeme, n.df
     FROM unnest($2::text[]) AS w(word)
     CROSS JOIN LATERAL (
       SELECT t.lexeme, t.df FROM retrieval_terms AS t
       WHERE t.chatbot_id = $1 AND t.lexeme % w.word
       ORDER BY similarity(t.lexeme, w.word) DESC, t.df DESC
       LIMIT 8
     ) AS n
     UNION ALL
     SELECT NULL, t.lexeme, t.df FROM retrieval_terms AS t
     WHERE t.chatbot_id = $1 AND t.lexeme = ANY($3::text[])`,
    [chatbotId, words.map(({ word }) => word), [...variantOf.keys()]],
  );
  for (const row of rows) {
    for (const word of row.word === null ? (variantOf.get(row.lexeme) ?? []) : [row.word]) {
      const list = neighbours.get(word)!;
      if (!list.some((known) => known.lexeme === row.lexeme)) list.push({ lexeme: row.lexeme, df: row.df });
    }
  }
  return neighbours;
}

export interface WeightedTerm {
  lexeme: string;
  weight: number;
  /** Read in full to find candidates; the other terms are only looked up for the candidates. */
  driving: boolean;
  /** Terms of one group stand for one word of the question: a chunk scores its best one. */
  group: number;
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
  /** The lexemes of the chunk's page title and heading path (empty past the first `headed`). */
  headLexemes: string[];
}

/**
 * BM25 over the postings, in two steps that keep the work bounded on large bots: the postings of
 * the driving (rarer) groups are summed, each group counting its best term, to pick `candidates` chunks, then the other terms'
 * postings are looked up for those chunks only, through the covering index. Chunks that match
 * too little of the question to be relevant are dropped before the sort, the costly part.
 */
export async function scoreChunks(
  db: Database,
  chatbotId: string,
  language: TextSearchLanguage,
  terms: WeightedTerm[],
  options: {
    candidates: number;
    limit: number;
    /** Chunks whose driving terms weigh less than this cannot reach the relevance asked for. */
    minDrivingWeight: number;
    /** The best this many chunks get `headLexemes`; the rest none (it costs a tsvector each). */
    headed: number;
  },
): Promise<ScoredChunk[]> {
  const rows = await db.query<{
    chunk_id: string;
    document_id: string;
    score: number;
    matched: number;
    question: string | null;
    question_lexemes: string[] | null;
    head_lexemes: string[];
  }>(
    `WITH q AS (
       SELECT * FROM unnest($2::text[], $3::float8[], $4::boolean[], $9::integer[])
         AS q(lexeme, weight, driving, grp)
     ),
     driven AS (
       SELECT p.chunk_id, q.grp, max(q.weight * p.impact) AS score, max(q.weight) AS matched
       FROM q
       CROSS JOIN LATERAL (
         SELECT p.chunk_id, p.impact FROM retrieval_postings AS p
         WHERE p.chatbot_id = $1 AND p.lexeme = q.lexeme OFFSET 0
       ) AS p
       WHERE q.driving
       GROUP BY p.chunk_id, q.grp
     ),
     candidates AS (
       SELECT chunk_id, sum(score) AS score, sum(matched) AS matched
       FROM driven
       GROUP BY chunk_id
       HAVING sum(matched) >= $8
       ORDER BY score DESC
       LIMIT $5
     ),
     others AS (
       SELECT chunk_id, sum(score) AS score, sum(matched) AS matched
       FROM (
         SELECT c.chunk_id, q.grp, max(q.weight * p.impact) AS score, max(q.weight) AS matched
         FROM candidates AS c
         CROSS JOIN q
         CROSS JOIN LATERAL (
           SELECT p.impact FROM retrieval_postings AS p
           WHERE p.chatbot_id = $1 AND p.lexeme = q.lexeme AND p.chunk_id = c.chunk_id
           LIMIT 1
         ) AS p
         WHERE NOT q.driving
         GROUP BY c.chunk_id, q.grp
       ) AS g
       GROUP BY chunk_id
     ),
     ranked AS (
       SELECT c.chunk_id, c.score + coalesce(o.score, 0) AS score, c.matched + coalesce(o.matched, 0) AS matched,
         row_number() OVER (ORDER BY c.score + coalesce(o.score, 0) DESC) AS position
       FROM candidates AS c LEFT JOIN others AS o USING (chunk_id)
       ORDER BY score DESC
       LIMIT $6
     )
     SELECT r.chunk_id, ch.document_id, r.score, r.matched, ch.question,
       CASE WHEN ch.question IS NOT NULL
         THEN tsvector_to_array(to_tsvector($7::regconfig, ch.question)) END AS question_lexemes,
       CASE WHEN r.position <= $10
         THEN tsvector_to_array(to_tsvector($7::regconfig, ch.title || E'\n' || ch.heading))
         ELSE '{}'::text[] END AS head_lexemes
     FROM ranked AS r
     CROSS JOIN LATERAL (
       SELECT ch.document_id, ch.question, ch.title, ch.heading FROM chunks AS ch WHERE ch.id = r.chunk_id OFFSET 0
     ) AS ch
     ORDER BY r.score DESC`,
    [
      chatbotId,
      terms.map((term) => term.lexeme),
      terms.map((term) => term.weight),
      terms.map((term) => term.driving),
      options.candidates,
      options.limit,
      language,
      options.minDrivingWeight,
      terms.map((term) => term.group),
      options.headed,
    ],
  );
  return rows.map((row) => ({
    chunkId: row.chunk_id,
    documentId: row.document_id,
    score: Number(row.score),
    matched: Number(row.matched),
    question: row.question,
    questionLexemes: row.question_lexemes,
    headLexemes: row.head_lexemes,
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
  /** The page of a paged document (PDF) the chunk starts on; null for others. */
  page: number | null;
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
    `SELECT c.id, c.source_id, c.document_id, c.title, c.url, c.heading, c.text, c.page, c.question
     FROM unnest($1::uuid[]) AS wanted(id)
     CROSS JOIN LATERAL (SELECT * FROM chunks WHERE chunks.id = wanted.id OFFSET 0) AS c
     WHERE c.workspace_id = $2 AND c.environment = $3 AND c.chatbot_id = $4`,
    [ids, scope.workspaceId, scope.environment, chatbotId],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

// API schemas of knowledge search and how a retrieved chunk is presented on the wire.
import { Type } from 'typebox';
import { encodeId } from '../../lib/ids.ts';
import type { RetrievedChunk } from './retrieval-service.ts';

export const SearchParams = Type.Object({ id: Type.String({ description: 'The chatbot id (bot_…).' }) });

export const SearchBody = Type.Object(
  {
    query: Type.String({
      minLength: 1,
      maxLength: 4000,
      description: 'A question or keywords, as a visitor would ask.',
    }),
    top_k: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 50,
        description: "How many chunks at most. Default: the chatbot's retrieval_settings.top_k.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const SearchResult = Type.Object({
  chunk_id: Type.String({ examples: ['chunk_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  source_id: Type.String(),
  document_id: Type.String(),
  title: Type.String(),
  url: Type.Union([Type.String(), Type.Null()], { description: 'The page, for web sources.' }),
  heading: Type.String({ description: 'Heading path of the chunk, e.g. "Billing > Refunds".' }),
  text: Type.String(),
  page: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'The page of the document the passage starts on, for paged documents (PDF); null otherwise.',
  }),
  score: Type.Number({
    minimum: 0,
    maximum: 1,
    description: "Relevance 0–1, never below the chatbot's retrieval_settings.min_relevance.",
  }),
});

export const SearchResponse = Type.Object({ data: Type.Array(SearchResult) });

export function presentChunk(chunk: RetrievedChunk) {
  return {
    chunk_id: encodeId('chunk', chunk.chunkId),
    source_id: encodeId('src', chunk.sourceId),
    document_id: encodeId('doc', chunk.documentId),
    title: chunk.title,
    url: chunk.url,
    heading: chunk.heading,
    text: chunk.text,
    page: chunk.page,
    score: Number(chunk.score.toFixed(4)),
  };
}

export const EmbeddingStatusResponse = Type.Object({
  model: Type.Union([Type.String(), Type.Null()], {
    description:
      "The model the chatbot's chunks and questions are embedded with: its integration's `embedding_model` (live mode), or the server's local model (`local:<folder>`, PARLEY_EMBEDDING_MODEL_DIR); null: text search alone.",
  }),
  vector_search: Type.Boolean({ description: 'Whether the database holds vectors (pgvector).' }),
  chunks: Type.Integer({ description: "The chatbot's chunks." }),
  embedded_chunks: Type.Integer({
    description:
      'Chunks with an embedding from `model`. The others are embedded by a job that runs every minute (chunks stored in the last ten minutes are embedded by their ingestion).',
  }),
});

// POST /v1/chatbots/{id}/search: the chunks a chat reply would be grounded on, without a reply.
// GET /v1/chatbots/{id}/embeddings: how far its chunks are embedded for search by meaning.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId } from '../../lib/ids.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import type { EmbeddingBackfill } from '../sources/embedding-backfill.ts';
import {
  EmbeddingStatusResponse,
  presentChunk,
  SearchBody,
  SearchParams,
  SearchResponse,
} from './retrieval-schemas.ts';
import type { RetrievalService } from './retrieval-service.ts';

export function retrievalRoutes(deps: {
  chatbots: ChatbotService;
  retrieval: RetrievalService;
  embeddingBackfill: Pick<EmbeddingBackfill, 'status'>;
}) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/v1/chatbots/:id/search',
      {
        schema: {
          operationId: 'searchChatbotKnowledge',
          tags: ['Chat'],
          description:
            "Searches the chatbot's knowledge as a chat reply would: the best matching chunks first, each with a relevance from 0 to 1; only chunks reaching the bot's `min_relevance` are returned, so an empty list means the bot would answer with its fallback message.",
          params: SearchParams,
          body: SearchBody,
          response: { 200: SearchResponse },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const bot = await deps.chatbots.get(scope, decodeId('bot', request.params.id, 'id'));
        const query = request.body.query.trim();
        if (!query)
          throw AppError.invalid('invalid_parameter', "The field 'query' must not be blank.", 'query');
        const chunks = await deps.retrieval.search(scope, bot, query, { topK: request.body.top_k });
        return { data: chunks.map(presentChunk) };
      },
    );

    app.get(
      '/v1/chatbots/:id/embeddings',
      {
        schema: {
          operationId: 'getChatbotEmbeddings',
          tags: ['Chat'],
          description:
            "How far the chatbot's knowledge is embedded for search by meaning: the model, and how many of its chunks have an embedding from it.",
          params: SearchParams,
          response: { 200: EmbeddingStatusResponse },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const bot = await deps.chatbots.get(scope, decodeId('bot', request.params.id, 'id'));
        const status = await deps.embeddingBackfill.status(scope, bot.id);
        return {
          model: status.model,
          vector_search: status.vectorSearch,
          chunks: status.chunks,
          embedded_chunks: status.embedded,
        };
      },
    );
  };
}

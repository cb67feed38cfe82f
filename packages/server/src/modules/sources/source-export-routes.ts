// Reading knowledge back out: GET /v1/sources/{id}/content (a source as it was given) and
// GET /v1/chatbots/{id}/knowledge/export (every document with the chunks the bot answers from).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { sendDownload } from '../../http/download.ts';
import { IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import type { SourceService } from './source-service.ts';

/** A file name safe in a Content-Disposition header, with the original in filename*. */
function disposition(filename: string): string {
  const plain = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${plain}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function sourceExportRoutes(deps: { sources: SourceService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Sources'];

    app.get(
      '/v1/sources/:id/content',
      {
        schema: {
          operationId: 'getSourceContent',
          tags,
          description:
            'A source as it was given: a text source as {type, title, url, content}, a Q&A source as {type, title, pairs}, a file source as the uploaded file itself (its type and name). A website, sitemap or URL source has no content of its own (409 no_source_content): its pages are in the knowledge export.',
          params: IdParams,
        },
      },
      async (request, reply) => {
        const content = await deps.sources.content(
          scopeOf(request),
          decodeId('src', request.params.id, 'id'),
        );
        if (content.type !== 'file') return content;
        return reply
          .header('content-type', content.contentType)
          .header('content-disposition', disposition(content.filename))
          .send(content.bytes);
      },
    );

    app.get(
      '/v1/chatbots/:id/knowledge/export',
      {
        schema: {
          operationId: 'exportKnowledge',
          tags,
          description:
            'Streams everything the chatbot knows as NDJSON, one document per line: {source: {id, type, title}, document (as listed), chunks: [{position, heading, page, question, text}]}, the chunks being the text the bot answers from.',
          params: IdParams,
        },
      },
      async (request, reply) => {
        const chatbotId = decodeId('bot', request.params.id, 'id');
        const stream = await deps.sources.exportKnowledge(scopeOf(request), chatbotId);
        return sendDownload(reply, 'knowledge', 'ndjson', stream);
      },
    );
  };
}

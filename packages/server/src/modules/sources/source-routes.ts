// /v1/chatbots/{id}/sources, /v1/sources/{id}, its documents and re-sync.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { optionalBody } from '../../http/json-body.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId } from '../../lib/ids.ts';
import {
  CreateSourceBody,
  type CreateSourceInput,
  DocumentResponse,
  presentDocument,
  presentSource,
  ResyncBody,
  type ResyncInput,
  SourceResponse,
} from './source-schemas.ts';
import type { SourceService, UploadedFile } from './source-service.ts';

/** The largest JSON body of a new source: 16 MiB. */
const SOURCE_BODY_LIMIT = 16 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    uploadedFile: UploadedFile | null;
  }
}

/** Reads a multipart upload into `request.body` (its fields) and `request.uploadedFile`. */
async function readMultipart(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  try {
    await readParts(request);
  } catch (error) {
    // The parser reports a body that is not the multipart it claims to be (cut short, no parts)
    // with plain errors; those with a status (a file too large) or of ours pass as they are.
    if (error instanceof AppError || (error as { statusCode?: number }).statusCode) throw error;
    throw AppError.invalid(
      'invalid_multipart',
      `The request is not valid multipart/form-data: ${(error as Error).message}.`,
    );
  }
}

async function readParts(request: FastifyRequest): Promise<void> {
  const fields: Record<string, string> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file') {
        throw AppError.invalid(
          'unknown_parameter',
          `Unknown file field '${part.fieldname}': send the file as 'file'.`,
          part.fieldname,
        );
      }
      const bytes = await part.toBuffer();
      if (bytes.length === 0)
        throw AppError.invalid('invalid_parameter', 'The uploaded file is empty.', 'file');
      request.uploadedFile = { filename: part.filename || 'upload', contentType: part.mimetype || '', bytes };
    } else {
      fields[part.fieldname] = String(part.value);
    }
  }
  request.body = fields;
}

export function sourceRoutes(deps: { sources: SourceService }) {
  const { sources } = deps;
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Sources'];
    app.decorateRequest('uploadedFile', null);

    app.get(
      '/v1/chatbots/:id/sources',
      {
        schema: {
          operationId: 'listSources',
          tags,
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageSchema(SourceResponse) },
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await sources.list(scopeOf(request), decodeId('bot', request.params.id, 'id'), {
          limit: page.pageSize + 1,
          beforeId: page.afterId,
        });
        return toPage(rows, page, presentSource);
      },
    );

    app.post(
      '/v1/chatbots/:id/sources',
      {
        // A text source may hold 2,000,000 characters and a Q&A source 5,000 pairs: more than the
        // 1 MiB other JSON bodies may be.
        bodyLimit: SOURCE_BODY_LIMIT,
        preValidation: readMultipart,
        schema: {
          operationId: 'createSource',
          tags,
          description:
            'Adds knowledge. JSON for text, qa, url, website and sitemap; multipart/form-data with `type=file` and `file` for PDF, DOCX, Markdown, HTML, text and CSV files. The source is processed in the background: poll it for `status` and counts.',
          params: IdParams,
          body: CreateSourceBody,
          response: { 202: SourceResponse },
        },
      },
      async (request, reply) => {
        const body = request.body as CreateSourceInput;
        if (body.type !== 'file' && request.uploadedFile) {
          throw AppError.invalid('invalid_parameter', 'A file upload needs the field type=file.', 'type');
        }
        const row = await sources.create(
          scopeOf(request),
          decodeId('bot', request.params.id, 'id'),
          body,
          request.uploadedFile,
        );
        return reply.code(202).send(presentSource(row));
      },
    );

    app.get(
      '/v1/sources/:id',
      { schema: { operationId: 'getSource', tags, params: IdParams, response: { 200: SourceResponse } } },
      async (request) =>
        presentSource(await sources.get(scopeOf(request), decodeId('src', request.params.id, 'id'))),
    );

    app.delete(
      '/v1/sources/:id',
      {
        schema: {
          operationId: 'deleteSource',
          tags,
          description:
            'Deletes the source, its documents and their chunks: the bot stops using them at once.',
          params: IdParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        await sources.remove(scopeOf(request), decodeId('src', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );

    app.post(
      '/v1/sources/:id/resync',
      {
        schema: {
          operationId: 'resyncSource',
          tags,
          description:
            'Fetches the source again. Unchanged pages (ETag, Last-Modified or content) are kept, changed ones re-indexed, vanished ones removed; the bot keeps answering from the current index meanwhile. A re-sync that would remove more than half of the pages removes none and fails with the reason, unless the body says `{"allow_removals": true}`.',
          params: IdParams,
          body: ResyncBody,
          response: { 202: SourceResponse },
        },
        // The body is optional: a bare POST re-syncs with the default safeguard.
        preValidation: optionalBody,
      },
      async (request, reply) => {
        const body = request.body as ResyncInput;
        const row = await sources.resync(scopeOf(request), decodeId('src', request.params.id, 'id'), {
          allowRemovals: body.allow_removals === true,
        });
        return reply.code(202).send(presentSource(row));
      },
    );

    app.get(
      '/v1/sources/:id/documents',
      {
        schema: {
          operationId: 'listSourceDocuments',
          tags,
          description:
            'The documents of a source in the order they were found, with their status and errors.',
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageSchema(DocumentResponse) },
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await sources.documents(scopeOf(request), decodeId('src', request.params.id, 'id'), {
          limit: page.pageSize + 1,
          afterId: page.afterId,
        });
        return toPage(rows, page, presentDocument);
      },
    );
  };
}

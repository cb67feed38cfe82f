// Knowledge sources: what the API does with them. The work of fetching, extracting and indexing
// happens in the ingestion job (source-ingest.ts); this service records, queues and reports.
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId, newUuid } from '../../lib/ids.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import { findDeadPattern } from './crawling/crawl-url.ts';
import { exportKnowledge } from './source-export.ts';
import { readUploadedFile } from './source-indexing.ts';
import * as repo from './source-repository.ts';
import type { CreateSourceInput, SourceRow } from './source-schemas.ts';

export interface UploadedFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export type SourceContent =
  | { type: 'text'; title: string; url: string | null; content: string }
  | { type: 'qa'; title: string; pairs: unknown[] }
  | { type: 'file'; filename: string; contentType: string; bytes: Buffer };

export const DEFAULT_MAX_PAGES = 500;
export const DEFAULT_MAX_DEPTH = 10;

function titleOf(input: CreateSourceInput, file: UploadedFile | null): string {
  switch (input.type) {
    case 'text':
      return input.title;
    case 'qa':
      return (
        input.title ?? `${input.pairs.length} question${input.pairs.length === 1 ? '' : 's'} and answers`
      );
    case 'file':
      return input.title ?? file?.filename ?? 'Uploaded file';
    default:
      return input.url;
  }
}

export function createSourceService(deps: { db: Database; jobs: JobSender; chatbots: ChatbotService }) {
  const { db } = deps;

  async function get(scope: Scope, id: string): Promise<SourceRow> {
    const row = await repo.findSource(db.orm, scope, id);
    if (!row) throw AppError.notFound('source', encodeId('src', id));
    await deps.chatbots.assertExists(scope, row.chatbotId);
    return row;
  }

  function queueIngest(sourceId: string, resync: boolean, allowRemovals = false) {
    return deps.jobs.send('source-ingest', { sourceId, resync, allowRemovals }, { singletonKey: sourceId });
  }

  return {
    get,

    async create(
      scope: Scope,
      chatbotId: string,
      input: CreateSourceInput,
      file: UploadedFile | null,
    ): Promise<SourceRow> {
      await deps.chatbots.assertExists(scope, chatbotId);
      if (input.type === 'file' && !file) {
        throw AppError.invalid(
          'missing_required_field',
          "Send the file as multipart/form-data in the field 'file'.",
          'file',
        );
      }
      if (input.type === 'website' || input.type === 'sitemap') {
        const dead = findDeadPattern({ startUrl: input.url, include: input.include, exclude: input.exclude });
        if (dead) {
          throw AppError.invalid(
            'invalid_parameter',
            `The pattern '${dead.pattern}' in '${dead.param}' can never match: it ${dead.reason}`,
            dead.param,
          );
        }
      }
      const { type: _type, ...rest } = input as Record<string, unknown>;
      const resyncHours = 'resync_interval_hours' in input ? (input.resync_interval_hours ?? null) : null;
      delete rest.resync_interval_hours;
      delete rest.title;
      const config = {
        ...rest,
        ...(input.type === 'website'
          ? {
              max_pages: input.max_pages ?? DEFAULT_MAX_PAGES,
              max_depth: input.max_depth ?? DEFAULT_MAX_DEPTH,
            }
          : {}),
        ...(input.type === 'sitemap' ? { max_pages: input.max_pages ?? DEFAULT_MAX_PAGES } : {}),
      };
      const source = await db.orm.transaction(async (tx) => {
        const row = await repo.insertSource(tx, {
          id: newUuid(),
          workspaceId: scope.workspaceId,
          environment: scope.environment,
          chatbotId,
          type: input.type,
          title: titleOf(input, file),
          config,
          resyncIntervalHours: resyncHours,
        });
        if (file) await repo.insertSourceFile(tx, { sourceId: row.id, ...file });
        return row;
      });
      // Sent after commit: the job must see the source. A lost send is recovered by the sweep
      // that re-queues sources left queued (see source-ingest.ts).
      await queueIngest(source.id, false);
      return source;
    },

    async list(scope: Scope, chatbotId: string, page: { limit: number; beforeId: string | null }) {
      await deps.chatbots.assertExists(scope, chatbotId);
      return repo.listSources(db.orm, scope, chatbotId, page);
    },

    async remove(scope: Scope, id: string): Promise<void> {
      await get(scope, id);
      await repo.deleteSource(db.orm, scope, id);
    },

    /**
     * Fetches everything again; unchanged pages are kept as they are. `allowRemovals` lets this
     * run remove the pages it no longer reaches even when they are most of the source.
     */
    async resync(scope: Scope, id: string, options: { allowRemovals?: boolean } = {}): Promise<SourceRow> {
      const source = await get(scope, id);
      if (source.type === 'text' || source.type === 'qa' || source.type === 'file') {
        throw new AppError(
          'conflict_error',
          'resync_not_applicable',
          `A ${source.type} source has nothing to fetch again.`,
        );
      }
      await repo.updateSource(db.orm, id, { status: 'queued', error: null });
      await queueIngest(id, true, options.allowRemovals === true);
      return (await repo.findSource(db.orm, scope, id))!;
    },

    async documents(scope: Scope, id: string, page: { limit: number; afterId: string | null }) {
      await get(scope, id);
      return repo.listDocuments(db.orm, scope, id, page);
    },

    /**
     * What the source was given, to read back: a text, Q&A pairs, or the uploaded file. A website,
     * sitemap or URL source has no content of its own: its pages are in the knowledge export.
     */
    async content(scope: Scope, id: string): Promise<SourceContent> {
      const source = await get(scope, id);
      const config = source.config as { content?: string; url?: string; pairs?: unknown[] };
      if (source.type === 'text')
        return { type: 'text', title: source.title, url: config.url ?? null, content: config.content ?? '' };
      if (source.type === 'qa') return { type: 'qa', title: source.title, pairs: config.pairs ?? [] };
      if (source.type === 'file') {
        const file = await readUploadedFile(db.orm, source.id);
        if (file) return { type: 'file', ...file };
      }
      throw new AppError(
        'conflict_error',
        'no_source_content',
        `A ${source.type} source has no content of its own: its pages are in GET /v1/chatbots/${encodeId('bot', source.chatbotId)}/knowledge/export.`,
      );
    },

    async exportKnowledge(scope: Scope, chatbotId: string) {
      await deps.chatbots.assertExists(scope, chatbotId);
      return exportKnowledge(db, scope, chatbotId);
    },
  };
}

export type SourceService = ReturnType<typeof createSourceService>;

// The ingestion job: one run per source (pg-boss queue `source-ingest`, one active per source).
// It is safe to run again at any point: documents and chunks are keyed by source and URL, and a
// document's chunks are replaced in one transaction.
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { newUuid } from '../../lib/ids.ts';
import type { SafeFetch } from '../../lib/safe-fetch.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import { recordEvent } from '../events/event-outbox.ts';
import type { IntegrationService } from '../integrations/integration-service.ts';
import type { ProviderRegistry } from '../providers/provider-registry.ts';
import { CrawlAbortedError, crawlSource } from './crawling/source-crawl.ts';
import { DocumentPoolClosedError, type DocumentWork } from './document-pool.ts';
import { UnsupportedDocumentError } from './extraction/extract-document.ts';
import { embedDocument } from './source-embedding.ts';
import { failDocument, type IndexTarget, indexDocument, readUploadedFile } from './source-indexing.ts';
import * as repo from './source-repository.ts';
import { presentSource, type SourceRow } from './source-schemas.ts';

export interface IngestDeps {
  db: Database;
  logger: Logger;
  jobs: JobSender;
  chatbots: ChatbotService;
  integrations: IntegrationService;
  providers: ProviderRegistry;
  /** pgvector is installed (the vector migrations applied). */
  vectorEnabled: boolean;
  fetch: SafeFetch;
  fetchTimeoutMs: number;
  maxBytes: number;
  perHostConcurrency: number;
  /** Extraction and chunking, off the HTTP thread. */
  documents: DocumentWork;
}

export function createSourceIngest(deps: IngestDeps) {
  const { db, logger } = deps;

  async function indexStoredDocument(source: SourceRow, target: IndexTarget): Promise<void> {
    const config = source.config;
    const { document } = target;
    if (source.type === 'qa') {
      const pair = config.pairs![Number(document.url.slice(3)) - 1]!;
      const text = `${pair.question}\n\n${pair.answer}`;
      // One chunk per pair, tagged with its question so retrieval can match questions first.
      await indexDocument(
        db,
        target,
        {
          title: pair.question,
          canonicalUrl: null,
          sections: [{ headingPath: [], text }],
          noindex: false,
          nofollow: false,
          links: [],
        },
        { url: null },
        [
          {
            index: 0,
            text,
            headingPath: [pair.question],
            tokens: Math.ceil(text.length / 4),
            page: null,
            question: pair.question,
          },
        ],
      );
    } else if (source.type === 'text') {
      const extracted = await deps.documents.extract({
        body: Buffer.from(config.content ?? '', 'utf8'),
        contentType: 'text/markdown',
        url: null,
        filename: `${source.title}.md`,
      });
      // The page where the text is published, when given, is what answers link to.
      await indexDocument(db, target, { ...extracted, title: source.title }, { url: config.url ?? null });
    } else {
      const file = await readUploadedFile(db.orm, source.id);
      if (!file) throw new Error('the uploaded file is missing');
      const extracted = await deps.documents.extract({
        body: Buffer.from(file.bytes),
        contentType: file.contentType,
        url: null,
        filename: file.filename,
      });
      // A title the team gave the upload names its citations; without one (the source is then
      // called after the file), the document's own title does, which says more than a file name.
      const given = source.title !== file.filename ? source.title : null;
      await indexDocument(db, target, given ? { ...extracted, title: given } : extracted, { url: null });
    }
  }

  /** Text, Q&A and files: documents made from what the source holds, no fetching. */
  /**
   * How this run embeds chunks: only with pgvector, with the chatbot's embedding model (its
   * integration's for live data, or the operator's local model; see embeddingFor).
   */
  async function embedderFor(source: SourceRow): Promise<IndexTarget['embed']> {
    if (!deps.vectorEnabled) return undefined;
    const scope = { workspaceId: source.workspaceId, environment: source.environment };
    const connection = await deps.integrations.connectionFor(scope, source.chatbotId);
    const model = deps.providers.embeddingFor(connection, source.environment);
    if (!model) return undefined;
    return async (documentId) => {
      await embedDocument(deps, model, { chatbotId: source.chatbotId, documentId });
    };
  }

  async function ingestStored(
    source: SourceRow,
    language: IndexTarget['language'],
    embed: IndexTarget['embed'],
  ): Promise<void> {
    const config = source.config;
    if (source.type === 'qa') {
      const pairs = config.pairs ?? [];
      await repo.addPending(
        db.orm,
        source,
        pairs.map((pair, i) => ({ id: newUuid(), url: `qa:${i + 1}`, depth: 0, title: pair.question })),
      );
    } else {
      await repo.addPending(db.orm, source, [
        { id: newUuid(), url: `${source.type}:${source.id}`, depth: 0 },
      ]);
    }
    // Discovered at once: a large file then shows its chunks going in (addChunkProgress).
    await repo.refreshCounts(db.orm, source.id);
    for (;;) {
      const batch = await repo.claimPending(db.orm, source.id, 20);
      if (batch.length === 0) return;
      for (const document of batch) {
        const target = { source, document, language, embed, documents: deps.documents };
        try {
          await indexStoredDocument(source, target);
        } catch (error) {
          // Stopping mid-document: the job ends and runs again, the document stays to be done.
          if (error instanceof DocumentPoolClosedError) throw error;
          const message =
            error instanceof UnsupportedDocumentError
              ? error.message
              : `Could not read it: ${(error as Error).message}`;
          await failDocument(db, target, { status: 'failed', error: message });
        }
        await repo.refreshCounts(db.orm, source.id);
      }
    }
  }

  /**
   * Ends a sync. `error` says why it stopped early (a seed of the crawl could not be read, or our
   * own failure): then nothing is removed. A completed sync removes the pages it no longer
   * reached, unless that is more than half of them (a broken menu or a half-down site looks
   * just like that): then it removes none and says so, unless the user allowed it for this run.
   */
  async function finish(source: SourceRow, error: string | null, allowRemovals = false): Promise<void> {
    const scope = { workspaceId: source.workspaceId, environment: source.environment };
    await db.orm.transaction(async (tx) => {
      let message = error;
      if (message === null) {
        const { reached, unreached } = await repo.countIndexed(tx, source.id, source.generation);
        if (unreached > reached && !allowRemovals) {
          message =
            `This re-sync would remove ${unreached} of the ${reached + unreached} pages (no longer linked or listed), ` +
            'more than half: they are kept. If they are really gone, re-sync with {"allow_removals": true} to remove them.';
        } else {
          // Pages not found again by this sync have disappeared: drop them and their chunks.
          await repo.deleteUnseen(tx, source.id, source.generation);
        }
      } else {
        await repo.restoreUnprocessed(tx, source.id);
        const { reached, unreached } = await repo.countIndexed(tx, source.id, source.generation);
        const kept = reached + unreached;
        if (kept > 0) {
          message += ` The previous ${kept} page${kept === 1 ? ' is' : 's are'} kept; the next re-sync tries again.`;
        }
      }
      await repo.refreshCounts(tx, source.id);
      const current = (await repo.findSourceById(tx, source.id))!;
      const failed = message !== null || (current.pagesProcessed > 0 && current.chunkCount === 0);
      message ??= failed ? 'No document could be read: see the documents for their errors.' : null;
      const now = new Date();
      await repo.updateSource(tx, source.id, {
        status: failed ? 'failed' : 'ready',
        error: message,
        lastSyncedAt: now,
        nextResyncAt: source.resyncIntervalHours
          ? new Date(now.getTime() + source.resyncIntervalHours * 3_600_000)
          : null,
      });
      const final = (await repo.findSourceById(tx, source.id))!;
      await recordEvent(tx, scope, failed ? 'source.failed' : 'source.trained', presentSource(final));
    });
  }

  return {
    async run(data: { sourceId: string; resync?: boolean; allowRemovals?: boolean }): Promise<void> {
      let source = await repo.findSourceById(db.orm, data.sourceId);
      if (!source) return; // deleted meanwhile
      const scope = { workspaceId: source.workspaceId, environment: source.environment };
      let chatbot: Awaited<ReturnType<ChatbotService['get']>>;
      try {
        chatbot = await deps.chatbots.get(scope, source.chatbotId);
      } catch {
        return; // the chatbot was deleted: its sources go with it
      }
      if (data.resync) {
        await repo.updateSource(db.orm, source.id, { generation: source.generation + 1 });
      }
      await repo.updateSource(db.orm, source.id, { status: 'processing', error: null });
      await repo.requeueProcessing(db.orm, source.id);
      source = (await repo.findSourceById(db.orm, source.id))!;
      const language = chatbot.retrievalSettings.language;
      logger.info(
        { source: source.id, type: source.type, generation: source.generation },
        'ingesting source',
      );
      try {
        const embed = await embedderFor(source);
        if (source.type === 'url' || source.type === 'website' || source.type === 'sitemap') {
          await crawlSource(deps, source, language, embed);
        } else {
          await ingestStored(source, language, embed);
        }
      } catch (error) {
        // The server is stopping: the job fails and runs again after the restart.
        if (error instanceof DocumentPoolClosedError) throw error;
        if (error instanceof CrawlAbortedError)
          logger.warn({ source: source.id, reason: error.message }, 'sync stopped');
        else logger.error({ err: error, source: source.id }, 'source ingestion failed');
        await finish(source, (error as Error).message);
        return;
      }
      await finish(source, null, data.allowRemovals === true);
    },

    /** Queues the sources whose re-sync time has come, and any left queued by a lost send. */
    async sweep(): Promise<void> {
      for (const source of await repo.findDueResyncs(db.orm, 100)) {
        await repo.updateSource(db.orm, source.id, { status: 'queued', nextResyncAt: null });
        await deps.jobs.send(
          'source-ingest',
          { sourceId: source.id, resync: true },
          { singletonKey: source.id },
        );
      }
      for (const source of await repo.findStaleQueued(db.orm, 100)) {
        await deps.jobs.send(
          'source-ingest',
          { sourceId: source.id, resync: false },
          { singletonKey: source.id },
        );
      }
    },
  };
}

export type SourceIngest = ReturnType<typeof createSourceIngest>;

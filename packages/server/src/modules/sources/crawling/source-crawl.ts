// The web part of ingestion: a frontier of documents in the database, processed in small
// batches. Everything the crawl knows is in rows, so a crash loses at most the batch in flight,
// and the next run of the job picks up where this one stopped.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Database } from '../../../db/client.ts';
import { sqlState } from '../../../lib/db-errors.ts';
import { newUuid } from '../../../lib/ids.ts';
import type { SafeFetch } from '../../../lib/safe-fetch.ts';
import { extractDocument, UnsupportedDocumentError } from '../extraction/extract-document.ts';
import { failDocument, type IndexTarget, indexDocument } from '../source-indexing.ts';
import * as repo from '../source-repository.ts';
import type { DocumentRow, SourceRow } from '../source-schemas.ts';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_PAGES } from '../source-service.ts';
import { fetchDocument } from './crawl-fetch.ts';
import { crawlDelayToMs, createHostLimiter } from './crawl-politeness.ts';
import { loadRobots, type Robots } from './crawl-robots.ts';
import { collectSitemapUrls, discoverSitemapUrls } from './crawl-sitemap.ts';
import { createUrlFilter, normalizeUrl } from './crawl-url.ts';

export const USER_AGENT = 'ParleyBot/0.1 (+https://github.com/parley-chat/parley)';
const BATCH = 8;

export interface CrawlDeps {
  db: Database;
  logger: Logger;
  fetch: SafeFetch;
  fetchTimeoutMs: number;
  maxBytes: number;
  perHostConcurrency: number;
}

export async function crawlSource(
  deps: CrawlDeps,
  source: SourceRow,
  language: IndexTarget['language'],
  embed?: IndexTarget['embed'],
): Promise<void> {
  const { db } = deps;
  const config = source.config;
  const startUrl = normalizeUrl(config.url ?? '');
  if (!startUrl) throw new Error(`Not a crawlable URL: ${config.url}`);
  const maxPages = source.type === 'url' ? 1 : (config.max_pages ?? DEFAULT_MAX_PAGES);
  const maxDepth = source.type === 'website' ? (config.max_depth ?? DEFAULT_MAX_DEPTH) : 0;
  const followLinks = source.type === 'website';
  const allowed = createUrlFilter({ startUrl, include: config.include, exclude: config.exclude });
  // Politeness: a few requests at a time per host, spaced by the site's Crawl-delay.
  const crawlDelays = new Map<string, number>();
  const limiter = createHostLimiter({
    perHostConcurrency: deps.perHostConcurrency,
    minDelayMs: (host) => crawlDelays.get(host) ?? 0,
  });
  const robotsByOrigin = new Map<string, Promise<Robots>>();
  const robotsFor = (url: string): Promise<Robots> => {
    const { origin, host } = new URL(url);
    let robots = robotsByOrigin.get(origin);
    if (!robots) {
      robots = loadRobots(origin, { fetch: deps.fetch, userAgent: USER_AGENT }).then((loaded) => {
        crawlDelays.set(host, crawlDelayToMs(loaded.crawlDelaySeconds));
        return loaded;
      });
      robotsByOrigin.set(origin, robots);
    }
    return robots;
  };

  async function enqueue(urls: string[], depth: number): Promise<void> {
    const room = maxPages - (await repo.countSeen(db.orm, source.id, source.generation));
    if (room <= 0) return;
    // Sorted, so concurrent inserts lock rows in the same order and cannot deadlock.
    const unique = [...new Set(urls)].slice(0, room).sort();
    const entries = unique.map((url) => ({ id: newUuid(), url, depth }));
    await withDeadlockRetry(() => repo.addPending(db.orm, source, entries));
  }

  // Seeding is idempotent: a resumed run adds nothing new. A sitemap is not a page itself.
  if (source.type !== 'sitemap') await enqueue([startUrl], 0);
  if (source.type === 'sitemap' || source.type === 'website') {
    const robots = await robotsFor(startUrl);
    const sitemapUrls = source.type === 'sitemap' ? [startUrl] : discoverSitemapUrls(startUrl, robots);
    const entries = await collectSitemapUrls(sitemapUrls, {
      fetch: deps.fetch,
      userAgent: USER_AGENT,
      maxUrls: maxPages * 2,
      run: limiter.run,
    });
    const pages = entries
      .map((entry) => normalizeUrl(entry.loc))
      .filter((url): url is string => !!url && allowed(url));
    await enqueue(pages, source.type === 'sitemap' ? 0 : 1);
  }

  const concurrency = pLimit(BATCH);
  for (;;) {
    const batch = await repo.claimPending(db.orm, source.id, BATCH);
    if (batch.length === 0) break;
    await Promise.all(
      batch.map((document) =>
        concurrency(() =>
          limiter
            .run(document.url, () => processPage(document))
            .catch((error: unknown) => {
              // Our own failure, not the page's: the details go to the log, not to the API.
              deps.logger.error({ err: error, url: document.url }, 'page processing failed');
              return failDocument(
                db,
                { source, document, language },
                {
                  status: 'failed',
                  error: 'Parley could not process this page (see the server log); re-sync to try again.',
                },
              );
            }),
        ),
      ),
    );
    await repo.refreshCounts(db.orm, source.id);
  }

  async function processPage(document: DocumentRow): Promise<void> {
    const target: IndexTarget = { source, document, language, embed };
    const robots = await robotsFor(document.url);
    if (!robots.isAllowed(document.url)) {
      const error =
        robots.status === 'unreachable'
          ? `robots.txt could not be read (${robots.message ?? 'unreachable'}): the site is not crawled until it can be`
          : 'Blocked by robots.txt';
      await failDocument(db, target, { status: 'skipped', error });
      return;
    }
    const fetched = await fetchDocument(document.url, {
      fetch: deps.fetch,
      timeoutMs: deps.fetchTimeoutMs,
      maxBytes: deps.maxBytes,
      userAgent: USER_AGENT,
      etag: document.contentHash ? document.etag : null,
      lastModified: document.contentHash ? document.lastModified : null,
    });
    if (fetched.status === 'not_modified') {
      await repo.updateDocument(db.orm, document.id, {
        status: 'ready',
        seenGeneration: source.generation,
        fetchedAt: new Date(),
      });
      return;
    }
    if (fetched.status === 'error') {
      await failDocument(db, target, {
        status: 'failed',
        error: fetched.message,
        httpStatus: fetched.httpStatus ?? null,
      });
      return;
    }
    // A redirect may land outside the site, on a disallowed path, or on a page already known.
    const finalUrl = normalizeUrl(fetched.finalUrl) ?? fetched.finalUrl;
    if (finalUrl !== document.url) {
      if (!allowed(finalUrl) || !(await robotsFor(finalUrl)).isAllowed(finalUrl)) {
        await failDocument(db, target, {
          status: 'skipped',
          error: `Redirects to ${finalUrl}, outside what this source may crawl`,
        });
        return;
      }
      if (await repo.findDocumentByUrl(db.orm, source.id, finalUrl)) {
        await failDocument(db, target, {
          status: 'skipped',
          error: `Redirects to ${finalUrl}, indexed on its own`,
        });
        return;
      }
    }
    let extracted: Awaited<ReturnType<typeof extractDocument>>;
    try {
      extracted = await extractDocument({
        body: fetched.body,
        contentType: fetched.contentType,
        url: finalUrl,
      });
    } catch (error) {
      const message =
        error instanceof UnsupportedDocumentError
          ? error.message
          : `Could not read the page: ${(error as Error).message}`;
      await failDocument(db, target, { status: 'skipped', error: message, httpStatus: fetched.httpStatus });
      return;
    }
    if (extracted.noindex) {
      await failDocument(db, target, {
        status: 'skipped',
        error: 'The page asks not to be indexed (noindex)',
        httpStatus: fetched.httpStatus,
      });
    } else {
      await indexDocument(db, target, extracted, {
        url: finalUrl,
        httpStatus: fetched.httpStatus,
        etag: fetched.etag,
        lastModified: fetched.lastModified,
      });
    }
    if (followLinks && !extracted.nofollow && document.depth < maxDepth) {
      const links = extracted.links
        .map((link) => normalizeUrl(link))
        .filter((url): url is string => !!url && allowed(url));
      await enqueue(links, document.depth + 1);
    }
  }
}

/** Retries a statement that PostgreSQL aborted to break a deadlock (SQLSTATE 40P01). */
async function withDeadlockRetry<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (sqlState(error) !== '40P01' || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

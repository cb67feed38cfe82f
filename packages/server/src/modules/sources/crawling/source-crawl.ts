// The web part of ingestion: a frontier of documents in the database, processed in small
// batches. Everything the crawl knows is in rows, so a crash loses at most the batch in flight,
// and the next run of the job picks up where this one stopped.
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Database } from '../../../db/client.ts';
import { sqlState } from '../../../lib/db-errors.ts';
import { newUuid } from '../../../lib/ids.ts';
import type { SafeFetch } from '../../../lib/safe-fetch.ts';
import { DocumentPoolClosedError, type DocumentWork } from '../document-pool.ts';
import { extractDocument, UnsupportedDocumentError } from '../extraction/extract-document.ts';
import { failDocument, type IndexTarget, indexDocument } from '../source-indexing.ts';
import * as repo from '../source-repository.ts';
import type { DocumentRow, SourceRow } from '../source-schemas.ts';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_PAGES } from '../source-service.ts';
import { type FetchFailure, fetchDocument, isTransientFailure } from './crawl-fetch.ts';
import { crawlDelayToMs, createHostLimiter } from './crawl-politeness.ts';
import { loadRobots, type Robots } from './crawl-robots.ts';
import { collectSitemapUrls, discoverSitemapUrls } from './crawl-sitemap.ts';
import { createUrlFilter, normalizeUrl } from './crawl-url.ts';

export const USER_AGENT = 'ParleyBot/0.1 (+https://github.com/parley-chat/parley)';
const BATCH = 8;
/** How often the source's counts are brought up to date while its pages are processed. */
const COUNTS_EVERY_MS = 250;
/** Links kept per page for the next sync: enough for any real page, bounded for a hostile one. */
const MAX_KEPT_LINKS = 2000;
/** Starts the error of a page whose last fetch failed while its indexed version is kept. */
const KEPT_NOTE = 'The last fetch failed';

/**
 * A seed of the crawl (robots.txt, the sitemap, the start page) could not be read. It is thrown
 * before any document changes, so the previous index stays as it was; the message is for the
 * source's `error`.
 */
export class CrawlAbortedError extends Error {}

/** The site says the page is gone: only then does a known page lose its chunks. */
function isGone(failure: FetchFailure): boolean {
  return failure.httpStatus === 404 || failure.httpStatus === 410;
}

export interface CrawlDeps {
  db: Database;
  logger: Logger;
  fetch: SafeFetch;
  fetchTimeoutMs: number;
  maxBytes: number;
  perHostConcurrency: number;
  /** Extraction and chunking off the HTTP thread; in this thread when absent. */
  documents?: DocumentWork;
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

  // One enqueue at a time: the pages of a batch finish together, and each counting the room
  // before the others' links are in would take max_pages past its bound.
  const oneAtATime = pLimit(1);
  const enqueue = (urls: string[], depth: number): Promise<void> => oneAtATime(() => enqueueNow(urls, depth));

  async function enqueueNow(urls: string[], depth: number): Promise<void> {
    const room = maxPages - (await repo.countSeen(db.orm, source.id, source.generation));
    if (room <= 0) return;
    // Links the sync already has take no room: every page's navigation links to the same known
    // pages, and counting them would leave the new ones out while max_pages is far off.
    const unique = [...new Set(urls)];
    const known = await repo.seenUrls(db.orm, source.id, source.generation, unique);
    // Ids are taken in discovery order (documents are listed by id); the rows are then sorted
    // by URL, so concurrent inserts lock rows in the same order and cannot deadlock.
    const entries = unique
      .filter((url) => !known.has(url))
      .slice(0, room)
      .map((url) => ({ id: newUuid(), url, depth }))
      .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    await withDeadlockRetry(() => repo.addPending(db.orm, source, entries));
  }

  const allowedLinks = (links: string[]) =>
    links.map((link) => normalizeUrl(link)).filter((url): url is string => !!url && allowed(url));

  // Seeds first, before any document changes: when one of them cannot be read the sync stops
  // and the previous index stays whole (a re-sync tries again later). Seeding is idempotent:
  // a resumed run adds nothing new.
  const robots = await robotsFor(startUrl);
  if (robots.status === 'unreachable' && robots.transient) {
    throw new CrawlAbortedError(robots.message ?? 'robots.txt could not be read.');
  }
  let sitemapPages: string[] = [];
  if (source.type === 'sitemap' || source.type === 'website') {
    // A website's sitemaps are guessed as well as declared, so a missing one is normal; one
    // that fails for a while would make its pages look gone, which matters once there is an
    // index to lose. A sitemap source is nothing without its sitemap.
    const hasIndex = await hasIndexedPages();
    const failures: { url: string; failure: FetchFailure }[] = [];
    const sitemapUrls = source.type === 'sitemap' ? [startUrl] : discoverSitemapUrls(startUrl, robots);
    const entries = await collectSitemapUrls(sitemapUrls, {
      fetch: deps.fetch,
      userAgent: USER_AGENT,
      maxUrls: maxPages * 2,
      // Pages include and exclude refuse do not use up max_pages' share of the sitemap.
      filter: (loc) => allowedLinks([loc]).length > 0,
      run: limiter.run,
      onFailure: (url, failure) => failures.push({ url, failure }),
    });
    const blocking = failures.find(({ url, failure }) =>
      source.type === 'sitemap'
        ? url === startUrl || isTransientFailure(failure)
        : hasIndex && isTransientFailure(failure),
    );
    if (blocking) throw new CrawlAbortedError(`Could not read the sitemap: ${blocking.failure.message}`);
    sitemapPages = allowedLinks(entries.map((entry) => entry.loc));
    if (source.type === 'sitemap' && sitemapPages.length === 0) {
      const filtered =
        config.include?.length || config.exclude?.length ? ' that include and exclude allow' : '';
      throw new CrawlAbortedError(`The sitemap ${startUrl} lists no pages${filtered}.`);
    }
  }
  // The start page alone, before the rest: when it fails for a while, nothing else is touched.
  if (source.type !== 'sitemap') {
    await enqueue([startUrl], 0);
    const start = await repo.claimByUrl(db.orm, source.id, startUrl);
    if (start) {
      const failure = await limiter.run(startUrl, () => processPage(start, { isStart: true }));
      if (failure) throw new CrawlAbortedError(`Could not fetch the start page: ${failure.message}`);
    }
  }
  await enqueue(sitemapPages, source.type === 'sitemap' ? 0 : 1);

  const concurrency = pLimit(BATCH);
  // The counts a user polls follow each page as it is done: a batch waits for its slowest page
  // (up to the fetch timeout), which would hold them still meanwhile. One refresh at a time, and
  // pages done during it are counted by one more, COUNTS_EVERY_MS later.
  let counting: Promise<void> | null = null;
  let recount = false;
  const countSoon = (): Promise<void> => {
    if (counting) {
      recount = true;
      return counting;
    }
    counting = (async () => {
      do {
        recount = false;
        // Progress only: a failure here must not fail the page that was just processed.
        await repo.refreshCounts(db.orm, source.id).catch((error: unknown) => {
          deps.logger.warn({ err: error, sourceId: source.id }, 'could not refresh the source counts');
        });
        if (recount) await new Promise((resolve) => setTimeout(resolve, COUNTS_EVERY_MS));
      } while (recount);
      counting = null;
    })();
    return counting;
  };
  await countSoon();
  for (;;) {
    const batch = await repo.claimPending(db.orm, source.id, BATCH);
    if (batch.length === 0) break;
    await Promise.all(
      batch.map((document) =>
        concurrency(() =>
          limiter
            .run(document.url, () => processPage(document))
            .then(() => {
              void countSoon();
            })
            .catch((error: unknown) => {
              // The server is stopping: the sync ends here and runs again after the restart.
              if (error instanceof DocumentPoolClosedError) throw error;
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

  async function hasIndexedPages(): Promise<boolean> {
    const counts = await repo.countIndexed(db.orm, source.id, source.generation);
    return counts.reached + counts.unreached > 0;
  }

  async function follow(document: DocumentRow, links: string[] | null): Promise<void> {
    if (!followLinks || !links || document.depth >= maxDepth) return;
    await enqueue(allowedLinks(links), document.depth + 1);
  }

  /** A page that had chunks and cannot be fetched now keeps them, and still leads to its links. */
  async function keepPrevious(document: DocumentRow, reason: string): Promise<void> {
    await repo.updateDocument(db.orm, document.id, {
      status: 'ready',
      seenGeneration: source.generation,
      error: `${KEPT_NOTE}: ${reason} The version indexed before is kept.`,
    });
    await follow(document, document.links);
  }

  /**
   * Fetches, indexes and follows one page. Returns the fetch failure when the page could not
   * be read for any reason but being gone (404/410), so the start page can stop the sync.
   */
  async function processPage(document: DocumentRow, { isStart = false } = {}): Promise<FetchFailure | null> {
    const target: IndexTarget = { source, document, language, embed, documents: deps.documents };
    const robots = await robotsFor(document.url);
    if (!robots.isAllowed(document.url)) {
      if (robots.status !== 'unreachable') {
        await failDocument(db, target, { status: 'skipped', error: 'Blocked by robots.txt' });
      } else if (document.chunkCount > 0) {
        await keepPrevious(document, robots.message ?? 'robots.txt could not be read.');
      } else {
        const error = `robots.txt could not be read (${robots.message ?? 'unreachable'}): the site is not crawled until it can be`;
        await failDocument(db, target, { status: 'skipped', error });
      }
      return null;
    }
    // Validators only for a page whose chunks and links are known: a 304 must leave nothing out.
    const revalidate = document.chunkCount > 0 && (document.links !== null || !followLinks);
    const fetched = await fetchDocument(document.url, {
      fetch: deps.fetch,
      timeoutMs: deps.fetchTimeoutMs,
      maxBytes: deps.maxBytes,
      userAgent: USER_AGENT,
      etag: revalidate ? document.etag : null,
      lastModified: revalidate ? document.lastModified : null,
    });
    if (fetched.status === 'not_modified') {
      await repo.updateDocument(db.orm, document.id, {
        status: 'ready',
        seenGeneration: source.generation,
        fetchedAt: new Date(),
        error: document.error?.startsWith(KEPT_NOTE) ? null : document.error,
      });
      await follow(document, document.links);
      return null;
    }
    if (fetched.status === 'error') {
      if (isGone(fetched) || document.chunkCount === 0) {
        await failDocument(db, target, {
          status: 'failed',
          error: fetched.message,
          httpStatus: fetched.httpStatus ?? null,
        });
      } else if (!isStart) {
        // The start page that cannot be read stops the sync before anything changes; following
        // its links from before would queue them again, and the stopped sync would leave them so.
        await keepPrevious(document, fetched.message);
      }
      return isGone(fetched) ? null : fetched;
    }
    // A redirect may land outside the site, on a disallowed path, or on a page already known.
    const finalUrl = normalizeUrl(fetched.finalUrl) ?? fetched.finalUrl;
    if (finalUrl !== document.url) {
      if (!allowed(finalUrl) || !(await robotsFor(finalUrl)).isAllowed(finalUrl)) {
        await failDocument(db, target, {
          status: 'skipped',
          error: `Redirects to ${finalUrl}, outside what this source may crawl`,
        });
        return null;
      }
      if (await repo.findDocumentByUrl(db.orm, source.id, finalUrl)) {
        await failDocument(db, target, {
          status: 'skipped',
          error: `Redirects to ${finalUrl}, indexed on its own`,
        });
        return null;
      }
    }
    let extracted: Awaited<ReturnType<typeof extractDocument>>;
    try {
      extracted = await (deps.documents?.extract ?? extractDocument)({
        body: fetched.body,
        contentType: fetched.contentType,
        url: finalUrl,
      });
    } catch (error) {
      if (error instanceof DocumentPoolClosedError) throw error;
      const message =
        error instanceof UnsupportedDocumentError
          ? error.message
          : `Could not read the page: ${(error as Error).message}`;
      await failDocument(db, target, { status: 'skipped', error: message, httpStatus: fetched.httpStatus });
      return null;
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
    // Kept for the next sync, where this page may answer 304 or fail for a while.
    const links = extracted.nofollow
      ? []
      : [
          ...new Set(extracted.links.map((link) => normalizeUrl(link)).filter((url): url is string => !!url)),
        ].slice(0, MAX_KEPT_LINKS);
    await repo.updateDocument(db.orm, document.id, { links });
    await follow(document, links);
    return null;
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

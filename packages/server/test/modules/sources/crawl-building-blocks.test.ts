// The building blocks together, the way the frontier orchestration uses them: robots.txt,
// sitemaps, link following with the URL filter, redirects and politeness, on the test site.
// The link extraction here is a regex stand-in for the HTML extractor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeFetch } from '../../../src/lib/safe-fetch.ts';
import { fetchDocument } from '../../../src/modules/sources/crawling/crawl-fetch.ts';
import { crawlDelayToMs, createHostLimiter } from '../../../src/modules/sources/crawling/crawl-politeness.ts';
import { loadRobots } from '../../../src/modules/sources/crawling/crawl-robots.ts';
import {
  collectSitemapUrls,
  discoverSitemapUrls,
} from '../../../src/modules/sources/crawling/crawl-sitemap.ts';
import { createUrlFilter, normalizeUrl } from '../../../src/modules/sources/crawling/crawl-url.ts';
import { startTestSite, type TestSite } from '../../fakes/crawl-test-site.ts';

const fetch = createSafeFetch({ allowPrivateNetwork: true });

interface CrawlLog {
  pages: string[];
  skippedByRobots: string[];
  redirected: Array<[string, string]>;
  failed: Array<[string, string]>;
}

async function miniCrawl(startUrl: string, options: { useSitemaps: boolean }): Promise<CrawlLog> {
  const log: CrawlLog = { pages: [], skippedByRobots: [], redirected: [], failed: [] };
  const start = normalizeUrl(startUrl) ?? '';
  const allowed = createUrlFilter({ startUrl: start });
  const robots = await loadRobots(start, { fetch });
  // The site asks for 2 s between requests; keep the test fast while still passing a delay.
  const limiter = createHostLimiter({
    perHostConcurrency: 1,
    minDelayMs: crawlDelayToMs(robots.crawlDelaySeconds) / 100,
  });
  const seen = new Set([start]);
  const frontier = [start];
  if (options.useSitemaps) {
    const fromSitemaps = await collectSitemapUrls(discoverSitemapUrls(start, robots), {
      fetch,
      filter: allowed,
    });
    for (const { loc } of fromSitemaps) {
      if (seen.has(loc)) continue;
      seen.add(loc);
      frontier.push(loc);
    }
  }
  while (frontier.length > 0) {
    const url = frontier.shift() ?? '';
    if (!robots.isAllowed(url)) {
      log.skippedByRobots.push(url);
      continue;
    }
    const fetched = await limiter.run(url, () => fetchDocument(url, { fetch }));
    if (fetched.status !== 'ok') {
      log.failed.push([url, fetched.status === 'error' ? fetched.code : fetched.status]);
      continue;
    }
    if (fetched.finalUrl !== url) {
      log.redirected.push([url, fetched.finalUrl]);
      // A redirect target is a URL like any other: in scope, allowed, and fetched once.
      if (seen.has(fetched.finalUrl) || !allowed(fetched.finalUrl) || !robots.isAllowed(fetched.finalUrl))
        continue;
      seen.add(fetched.finalUrl);
    }
    log.pages.push(fetched.finalUrl);
    for (const [, href] of fetched.body.toString().matchAll(/href="([^"]*)"/g)) {
      const link = normalizeUrl((href ?? '').replaceAll('&amp;', '&'), fetched.finalUrl);
      if (link && !seen.has(link) && allowed(link)) {
        seen.add(link);
        frontier.push(link);
      }
    }
  }
  return log;
}

describe('a crawl of the test site', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(() => site.close());

  it('sees every page once, through links and sitemaps, and nothing it must not', async () => {
    const log = await miniCrawl(site.url('/'), { useSitemaps: true });
    expect(log.pages.sort()).toEqual(
      ['/', '/about', '/docs/guide', '/docs/intro', '/only-in-sitemap', '/pricing?plan=pro']
        .map(site.url)
        .sort(),
    );
    expect(log.skippedByRobots).toEqual([site.url('/private/secret')]);
    expect(log.redirected).toEqual([[site.url('/r/start'), site.url('/docs/guide')]]);
    expect(log.failed).toEqual([]);
    expect(site.hits('/private/secret')).toBe(0);
    expect(site.hits('/logo.png')).toBe(0);
    expect(site.hits('/docs/guide')).toBe(2); // once from the sitemap, once at the end of /r/start
    expect(site.maxConcurrent()).toBe(1);
    expect(site.userAgents.filter((agent) => !agent.startsWith('ParleyBot/'))).toEqual([]);
  });

  it('finds the sitemap-only page only when sitemaps are read', async () => {
    const log = await miniCrawl(site.url('/about'), { useSitemaps: false });
    expect(log.pages).not.toContain(site.url('/only-in-sitemap'));
    expect(log.pages).toContain(site.url('/pricing?plan=pro'));
  });
});

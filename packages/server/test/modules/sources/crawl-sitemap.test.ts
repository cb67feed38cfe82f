import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeFetch } from '../../../src/lib/safe-fetch.ts';
import type { FetchFailure } from '../../../src/modules/sources/crawling/crawl-fetch.ts';
import { createHostLimiter } from '../../../src/modules/sources/crawling/crawl-politeness.ts';
import { loadRobots } from '../../../src/modules/sources/crawling/crawl-robots.ts';
import {
  collectSitemapUrls,
  discoverSitemapUrls,
  parseSitemap,
  SITEMAP_MAX_BYTES,
} from '../../../src/modules/sources/crawling/crawl-sitemap.ts';
import { createUrlFilter } from '../../../src/modules/sources/crawling/crawl-url.ts';
import { startTestSite, type TestSite } from '../../fakes/crawl-test-site.ts';

const fetch = createSafeFetch({ allowPrivateNetwork: true });
const BASE = 'https://example.com/sitemap.xml';

describe('parseSitemap', () => {
  it('reads a namespaced urlset with lastmod, entities and tracking params', () => {
    const parsed = parseSitemap(
      `<?xml version="1.0" encoding="UTF-8"?>
      <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
        <url><loc> https://example.com/a?x=1&amp;utm_source=feed </loc><lastmod>2024-05-01</lastmod>
          <image:image><image:loc>https://example.com/a.png</image:loc></image:image></url>
        <url><loc>https://example.com/2024</loc><lastmod>not a date</lastmod></url>
        <url><loc>mailto:nobody@example.com</loc></url>
        <url><lastmod>2024-05-01</lastmod></url>
      </urlset>`,
      BASE,
    );
    expect(parsed).toEqual({
      urls: [
        { loc: 'https://example.com/a?x=1', lastmod: new Date('2024-05-01T00:00:00Z') },
        { loc: 'https://example.com/2024', lastmod: null },
      ],
      sitemaps: [],
    });
  });

  it('reads a prefixed sitemapindex and one without a namespace', () => {
    const prefixed = parseSitemap(
      `<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sm:sitemap><sm:loc>https://example.com/s1.xml</sm:loc></sm:sitemap>
        <sm:sitemap><sm:loc>/s2.xml.gz</sm:loc></sm:sitemap>
      </sm:sitemapindex>`,
      BASE,
    );
    expect(prefixed).toEqual({
      urls: [],
      sitemaps: ['https://example.com/s1.xml', 'https://example.com/s2.xml.gz'],
    });
    const single = parseSitemap('<urlset><url><loc>https://example.com/only</loc></url></urlset>', BASE);
    expect(single.urls.map((url) => url.loc)).toEqual(['https://example.com/only']);
  });

  it('gunzips by magic bytes, whatever the name', () => {
    const xml = '<urlset><url><loc>https://example.com/zipped</loc></url></urlset>';
    expect(parseSitemap(gzipSync(xml), BASE).urls).toEqual([
      { loc: 'https://example.com/zipped', lastmod: null },
    ]);
    expect(parseSitemap(Buffer.from(`\uFEFF${xml}`), BASE).urls).toHaveLength(1);
  });

  it('reads a plain-text sitemap, but not an HTML or broken page', () => {
    expect(parseSitemap('https://example.com/a\r\nhttps://example.com/b\n\n', BASE).urls).toHaveLength(2);
    expect(parseSitemap('Not found. Try https://example.com/a', BASE).urls).toEqual([]);
    expect(parseSitemap('<!doctype html><html><body><a href="/a">a</a></body></html>', BASE)).toEqual({
      urls: [],
      sitemaps: [],
    });
    expect(() => parseSitemap('<urlset><url><loc>https://example.com/a</urlset>', BASE)).not.toThrow();
    expect(parseSitemap(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]), BASE)).toEqual({
      urls: [],
      sitemaps: [],
    });
  });

  it('refuses a gzip bomb instead of inflating it', () => {
    const bomb = gzipSync(Buffer.alloc(SITEMAP_MAX_BYTES + 1024, ' '));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(parseSitemap(bomb, BASE)).toEqual({ urls: [], sitemaps: [] });
  });
});

describe('discoverSitemapUrls', () => {
  it('puts robots.txt sitemaps first, then the usual names, without duplicates', () => {
    expect(
      discoverSitemapUrls('https://example.com/docs/page?x=1', {
        sitemaps: ['https://cdn.example.com/map.xml', 'https://example.com/sitemap.xml'],
      }),
    ).toEqual([
      'https://cdn.example.com/map.xml',
      'https://example.com/sitemap.xml',
      'https://example.com/sitemap_index.xml',
    ]);
  });
});

describe('collectSitemapUrls on a live site', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(() => site.close());

  it('follows robots.txt to the index and both sitemaps, one gzipped', async () => {
    const robots = await loadRobots(site.origin, { fetch });
    const candidates = discoverSitemapUrls(site.url('/'), robots);
    expect(candidates).toEqual([site.url('/sitemap_index.xml'), site.url('/sitemap.xml')]);
    const failures: Array<[string, FetchFailure]> = [];
    const urls = await collectSitemapUrls(candidates, {
      fetch,
      onFailure: (url, failure) => failures.push([url, failure]),
    });
    expect(urls).toEqual([
      { loc: site.url('/'), lastmod: null },
      { loc: site.url('/about'), lastmod: new Date('2024-02-20T00:00:00Z') },
      { loc: site.url('/only-in-sitemap'), lastmod: null },
      { loc: site.url('/private/secret'), lastmod: null },
      { loc: site.url('/pricing?plan=pro'), lastmod: null },
      { loc: site.url('/docs/intro'), lastmod: new Date('2024-03-01T00:00:00Z') },
      { loc: site.url('/docs/guide'), lastmod: new Date('2024-04-02T10:00:00Z') },
    ]);
    // The guessed /sitemap.xml does not exist: noted, not fatal.
    expect(failures.map(([url, failure]) => [url, failure.httpStatus])).toEqual([
      [site.url('/sitemap.xml'), 404],
    ]);
  });

  it('applies the filter, maxUrls and maxSitemaps', async () => {
    const filter = createUrlFilter({ startUrl: site.url('/'), include: ['/docs/**'] });
    const docs = await collectSitemapUrls([site.url('/sitemap_index.xml')], { fetch, filter });
    expect(docs.map((url) => url.loc)).toEqual([site.url('/docs/intro'), site.url('/docs/guide')]);

    const two = await collectSitemapUrls([site.url('/sitemap_index.xml')], { fetch, maxUrls: 2 });
    expect(two.map((url) => url.loc)).toEqual([site.url('/'), site.url('/about')]);

    const before = site.hits('/sitemaps/docs.xml.gz');
    const capped = await collectSitemapUrls([site.url('/sitemap_index.xml')], { fetch, maxSitemaps: 2 });
    expect(capped).toHaveLength(5);
    expect(site.hits('/sitemaps/docs.xml.gz')).toBe(before);
  });

  it('stops following indexes past maxDepth', async () => {
    const onlyIndex = await collectSitemapUrls([site.url('/sitemap_index.xml')], { fetch, maxDepth: 0 });
    expect(onlyIndex).toEqual([]);
  });

  it('fetches each sitemap once, through the given limiter', async () => {
    const limiter = createHostLimiter({ perHostConcurrency: 1 });
    const ran: string[] = [];
    const urls = await collectSitemapUrls(
      [site.url('/sitemap_index.xml'), site.url('/sitemaps/pages.xml'), site.url('/sitemap_index.xml#again')],
      {
        fetch,
        run: (url, fn) => {
          ran.push(url);
          return limiter.run(url, fn);
        },
      },
    );
    expect(urls).toHaveLength(7);
    expect(ran).toEqual([
      site.url('/sitemap_index.xml'),
      site.url('/sitemaps/pages.xml'),
      site.url('/sitemaps/docs.xml.gz'),
    ]);
  });
});

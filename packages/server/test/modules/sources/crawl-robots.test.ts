import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeFetch } from '../../../src/lib/safe-fetch.ts';
import {
  loadRobots,
  parseRobots,
  ROBOTS_MAX_BYTES,
} from '../../../src/modules/sources/crawling/crawl-robots.ts';
import { startTestSite, type TestSite } from '../../fakes/crawl-test-site.ts';

const fetch = createSafeFetch({ allowPrivateNetwork: true });
const sites: TestSite[] = [];
async function site(robots?: string | number): Promise<TestSite> {
  const started = await startTestSite(robots === undefined ? {} : { robots });
  sites.push(started);
  return started;
}
afterAll(() => Promise.all(sites.map((started) => started.close())));

describe('loadRobots', () => {
  let main: TestSite;
  beforeAll(async () => {
    main = await site();
  });

  it('applies the * group, and reads Sitemap and Crawl-delay', async () => {
    const robots = await loadRobots(main.origin, { fetch });
    expect(robots).toMatchObject({
      origin: main.origin,
      status: 'ok',
      sitemaps: [main.url('/sitemap_index.xml')],
      crawlDelaySeconds: 2,
    });
    expect(robots.isAllowed(main.url('/about'))).toBe(true);
    expect(robots.isAllowed(main.url('/private/secret'))).toBe(false);
    expect(robots.isAllowed(main.url('/private'))).toBe(true);
    // Another origin has its own robots.txt; this one says nothing about it.
    expect(robots.isAllowed(`http://localhost:${main.port}/about`)).toBe(false);
  });

  it('accepts any URL of the origin and sends our User-Agent', async () => {
    const robots = await loadRobots(main.url('/docs/intro?x=1'), { fetch, userAgent: 'BadBot/2.0 (+x)' });
    expect(main.userAgents.at(-1)).toBe('BadBot/2.0 (+x)');
    // BadBot has a group of its own that disallows everything.
    expect(robots.isAllowed(main.url('/about'))).toBe(false);
  });

  it('uses the group naming our product token over *', async () => {
    const custom = await site(
      [
        'User-agent: *',
        'Disallow: /',
        '',
        'User-agent: ParleyBot',
        'Disallow: /docs/',
        'Crawl-delay: 0.5',
      ].join('\n'),
    );
    const robots = await loadRobots(custom.origin, { fetch });
    expect(robots.isAllowed(custom.url('/about'))).toBe(true);
    expect(robots.isAllowed(custom.url('/docs/intro'))).toBe(false);
    expect(robots.crawlDelaySeconds).toBe(0.5);
    expect(robots.sitemaps).toEqual([]);
  });

  it('allows everything when robots.txt is missing (4xx)', async () => {
    for (const status of [404, 403, 410]) {
      const missing = await site(status);
      const robots = await loadRobots(missing.origin, { fetch });
      expect(robots).toMatchObject({ status: 'missing', httpStatus: status, crawlDelaySeconds: null });
      expect(robots.isAllowed(missing.url('/private/secret'))).toBe(true);
      expect(robots.isAllowed('https://other.example/')).toBe(false);
    }
  });

  it('disallows everything when robots.txt is unreachable (5xx, 429, network)', async () => {
    for (const status of [500, 503, 429]) {
      const failing = await site(status);
      const robots = await loadRobots(failing.origin, { fetch });
      expect(robots).toMatchObject({ status: 'unreachable', httpStatus: status });
      expect(robots.message).toContain(`HTTP ${status}`);
      expect(robots.isAllowed(failing.url('/about'))).toBe(false);
    }
    const gone = await startTestSite();
    await gone.close();
    const robots = await loadRobots(gone.origin, { fetch });
    expect(robots).toMatchObject({ status: 'unreachable', httpStatus: null });
    expect(robots.isAllowed(gone.url('/'))).toBe(false);
  });

  it('treats a blocked address as unreachable, and never throws', async () => {
    const strict = createSafeFetch({ allowPrivateNetwork: false });
    const robots = await loadRobots(main.origin, { fetch: strict });
    expect(robots.status).toBe('unreachable');
    expect(robots.message).toMatch(/private and loopback/);
    expect((await loadRobots('not a url', { fetch })).status).toBe('unreachable');
  });
});

describe('parseRobots', () => {
  it('resolves relative Sitemap lines, drops junk and duplicates, ignores a BOM', () => {
    const robots = parseRobots(
      'https://example.com/some/page',
      '\uFEFFUser-agent: *\nAllow: /\nSitemap: /sitemap.xml\nSitemap: https://example.com/sitemap.xml\nSitemap: mailto:x@y.z\nCrawl-delay: soon',
    );
    expect(robots.sitemaps).toEqual(['https://example.com/sitemap.xml']);
    expect(robots.crawlDelaySeconds).toBeNull();
    expect(robots.origin).toBe('https://example.com');
  });
});

describe('loadRobots on an oversize robots.txt', () => {
  it('keeps the rules in the first 500 KiB and ignores the rest', async () => {
    const big = await site(
      ['User-agent: *', 'Disallow: /early/', `# ${'x'.repeat(ROBOTS_MAX_BYTES)}`, 'Disallow: /late/'].join(
        '\n',
      ),
    );
    const robots = await loadRobots(big.origin, { fetch });
    expect(robots.status).toBe('ok');
    expect(robots.isAllowed(big.url('/early/page'))).toBe(false);
    expect(robots.isAllowed(big.url('/late/page'))).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeFetch, type SafeFetch } from '../../../src/lib/safe-fetch.ts';
import {
  DEFAULT_USER_AGENT,
  type FetchDocumentResult,
  fetchDocument,
} from '../../../src/modules/sources/crawling/crawl-fetch.ts';
import {
  GUIDE_ETAG,
  GUIDE_LAST_MODIFIED,
  startTestSite,
  type TestSite,
} from '../../fakes/crawl-test-site.ts';

const open = createSafeFetch({ allowPrivateNetwork: true });
let site: TestSite;
beforeAll(async () => {
  site = await startTestSite();
});
afterAll(() => site.close());

function expectError(result: FetchDocumentResult, code: string) {
  if (result.status !== 'error') throw new Error(`expected ${code}, got ${JSON.stringify(result)}`);
  expect(result.code).toBe(code);
  return result;
}

describe('fetchDocument', () => {
  it('fetches a page with its type, validators and our User-Agent', async () => {
    const result = await fetchDocument(site.url('/docs/guide'), { fetch: open });
    expect(result).toMatchObject({
      status: 'ok',
      finalUrl: site.url('/docs/guide'),
      httpStatus: 200,
      contentType: 'text/html; charset=utf-8',
      etag: GUIDE_ETAG,
      lastModified: GUIDE_LAST_MODIFIED,
      redirects: [],
      truncated: false,
    });
    if (result.status !== 'ok') return;
    expect(result.body.toString()).toContain('<h1>Guide</h1>');
    expect(site.userAgents.at(-1)).toBe(DEFAULT_USER_AGENT);
  });

  it('leaves decompression to fetch', async () => {
    const result = await fetchDocument(site.url('/gzipped'), { fetch: open });
    expect(result.status === 'ok' && result.body.toString()).toContain('<h1>Compressed</h1>');
  });

  it('follows a 301 → 302 chain, resolving a relative Location', async () => {
    const result = await fetchDocument(site.url('/r/start'), { fetch: open, userAgent: 'TestBot/1.0' });
    expect(result).toMatchObject({
      status: 'ok',
      finalUrl: site.url('/docs/guide'),
      redirects: [site.url('/r/start'), site.url('/r/middle')],
    });
    // Every hop is a request of its own, each with our agent.
    expect(site.userAgents.slice(-3)).toEqual(['TestBot/1.0', 'TestBot/1.0', 'TestBot/1.0']);
  });

  it('follows up to maxRedirects hops and fails past them', async () => {
    const five = await fetchDocument(site.url('/redirect/chain?left=4'), { fetch: open });
    expect(five).toMatchObject({ status: 'ok', finalUrl: site.url('/about') });
    expect(five.status === 'ok' && five.redirects).toHaveLength(5);
    const six = expectError(
      await fetchDocument(site.url('/redirect/chain?left=5'), { fetch: open }),
      'too_many_redirects',
    );
    expect(six.redirects).toHaveLength(6);
  });

  it('stops a redirect loop as soon as a URL comes back', async () => {
    const before = site.hits('/loop/a');
    const result = expectError(
      await fetchDocument(site.url('/loop/a'), { fetch: open }),
      'too_many_redirects',
    );
    expect(result.message).toMatch(/loop/i);
    expect(site.hits('/loop/a') - before).toBe(1);
  });

  it('refuses a redirect to another scheme', async () => {
    expectError(await fetchDocument(site.url('/redirect/ftp'), { fetch: open }), 'unsupported_scheme');
    expectError(await fetchDocument('mailto:someone@example.com', { fetch: open }), 'unsupported_scheme');
    expectError(await fetchDocument('not a url', { fetch: open }), 'unsupported_scheme');
  });

  it('reports 404 and 500 as http_error with the status', async () => {
    expect(await fetchDocument(site.url('/nowhere'), { fetch: open })).toMatchObject({
      status: 'error',
      code: 'http_error',
      httpStatus: 404,
    });
    expect(await fetchDocument(site.url('/error'), { fetch: open })).toMatchObject({
      status: 'error',
      code: 'http_error',
      httpStatus: 500,
    });
  });

  it('reports a refused connection as a network error', async () => {
    const closed = await startTestSite();
    await closed.close();
    const result = expectError(await fetchDocument(closed.url('/'), { fetch: open }), 'network');
    expect(result.message).toContain('ECONNREFUSED');
  });

  it('times out a server that never answers, and one that stalls mid-body', async () => {
    const started = Date.now();
    expectError(await fetchDocument(site.url('/slow'), { fetch: open, timeoutMs: 300 }), 'timeout');
    expectError(await fetchDocument(site.url('/slow-body'), { fetch: open, timeoutMs: 300 }), 'timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('the deadline covers every hop, not each one', async () => {
    // Each hop takes 60 ms, well within 300 ms; ten of them together do not.
    const result = await fetchDocument(site.url('/redirect/chain?left=10&ms=60'), {
      fetch: open,
      maxRedirects: 20,
      timeoutMs: 300,
    });
    expectError(result, 'timeout');
  });

  it('stops reading an oversize body without downloading it', async () => {
    const result = await fetchDocument(site.url('/huge'), { fetch: open, maxBytes: 1024 * 1024 });
    expect(result).toMatchObject({ status: 'error', code: 'too_large' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(site.huge.completed).toBe(false);
    expect(site.huge.bytesSent).toBeLessThan(site.huge.totalBytes / 4);
  });

  it('refuses a declared oversize body up front', async () => {
    const started = Date.now();
    expectError(await fetchDocument(site.url('/huge-declared'), { fetch: open }), 'too_large');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('can keep the first maxBytes instead (robots.txt)', async () => {
    const result = await fetchDocument(site.url('/huge'), {
      fetch: open,
      maxBytes: 1000,
      truncateAtMaxBytes: true,
    });
    expect(result).toMatchObject({ status: 'ok', truncated: true });
    expect(result.status === 'ok' && result.body.length).toBe(1000);
  });

  it('sends validators and reports 304 as not_modified', async () => {
    expect(await fetchDocument(site.url('/docs/guide'), { fetch: open, etag: GUIDE_ETAG })).toEqual({
      status: 'not_modified',
      finalUrl: site.url('/docs/guide'),
      redirects: [],
    });
    const bySince = await fetchDocument(site.url('/r/start'), {
      fetch: open,
      lastModified: GUIDE_LAST_MODIFIED,
    });
    expect(bySince).toMatchObject({ status: 'not_modified', finalUrl: site.url('/docs/guide') });
    const stale = await fetchDocument(site.url('/docs/guide'), { fetch: open, etag: '"guide-v0"' });
    expect(stale.status).toBe('ok');
  });

  it("throws when the caller's own signal aborts", async () => {
    const controller = new AbortController();
    const pending = fetchDocument(site.url('/slow'), { fetch: open, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
  });
});

describe('fetchDocument with the private network refused', () => {
  // The site itself is on 127.0.0.1, so the first request must be let through: the origin
  // named "localhost" is trusted, while the IP literal 127.0.0.1 is not (and the other way round).
  const viaName = (path: string) => `http://localhost:${site.port}${path}`;
  let trustsName: SafeFetch;
  let trustsIp: SafeFetch;
  beforeAll(() => {
    trustsName = createSafeFetch({ allowPrivateNetwork: false, trustedOrigins: [viaName('/')] });
    trustsIp = createSafeFetch({ allowPrivateNetwork: false, trustedOrigins: [site.url('/')] });
  });

  it('fetches from the trusted host', async () => {
    expect(await fetchDocument(viaName('/about'), { fetch: trustsName })).toMatchObject({ status: 'ok' });
  });

  it('refuses a redirect to a private IP', async () => {
    const result = expectError(
      await fetchDocument(viaName('/redirect/private-ip'), { fetch: trustsName }),
      'blocked_address',
    );
    expect(result.finalUrl).toBe('http://10.0.0.1/admin');
    expect(result.redirects).toEqual([viaName('/redirect/private-ip')]);
  });

  it('refuses a redirect to loopback, by IP literal and by name (after DNS)', async () => {
    const before = site.hits('/about');
    expectError(
      await fetchDocument(viaName('/redirect/loopback-ip'), { fetch: trustsName }),
      'blocked_address',
    );
    const byName = await fetchDocument(site.url('/redirect/loopback-name'), { fetch: trustsIp });
    expectError(byName, 'blocked_address');
    expect(byName.status === 'error' && byName.finalUrl).toBe(viaName('/about'));
    expect(site.hits('/about')).toBe(before);
  });

  it('refuses a private start URL', async () => {
    const strict = createSafeFetch({ allowPrivateNetwork: false });
    expectError(await fetchDocument(site.url('/about'), { fetch: strict }), 'blocked_address');
  });
});

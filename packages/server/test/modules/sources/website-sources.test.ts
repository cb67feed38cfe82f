// Crawling a web site: boilerplate removed, robots.txt and sitemaps honoured, redirects and
// errors recorded, re-sync keeps unchanged pages and removes vanished ones.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { page, type StaticSite, startStaticSite } from '../../fakes/static-site.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let site: StaticSite;
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/sources/${name}`, import.meta.url));

function buildSite(s: StaticSite) {
  const o = s.origin;
  s.set('/robots.txt', {
    type: 'text/plain',
    body: `User-agent: *\nDisallow: /private/\nSitemap: ${o}/sitemap.xml\n`,
  });
  s.set('/sitemap.xml', {
    type: 'application/xml',
    body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${o}/faq</loc></url><url><loc>${o}/pricing</loc></url></urlset>`,
  });
  s.set(
    '/',
    page(
      'Welcome',
      `<p>Acme makes invoicing simple for small teams.</p><p><a href="/docs/start">Get started</a> or read the <a href="/old-docs">old docs</a>.</p><p><a href="/missing">A broken link</a></p><p>Downloads: <a href="/files/returns-guide.pdf">returns guide</a>, <a href="/files/handbook.docx">handbook</a>.</p>`,
    ),
  );
  s.set('/files/returns-guide.pdf', {
    type: 'application/pdf',
    body: readFileSync(fixture('returns-guide.pdf')),
  });
  s.set('/files/handbook.docx', {
    type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    body: readFileSync(fixture('handbook.docx')),
  });
  s.set(
    '/pricing',
    page(
      'Pricing',
      '<h2>Plans</h2><table><tr><th>Plan</th><th>Price</th></tr><tr><td>Starter</td><td>9 EUR per month</td></tr><tr><td>Business</td><td>49 EUR per month</td></tr></table>',
    ),
  );
  s.set(
    '/docs/start',
    page(
      'Getting started',
      '<h2>Create an account</h2><ol><li>Open the sign-up page.</li><li>Confirm your email address.</li></ol><h2>Send your first invoice</h2><p>Click New invoice and fill in the customer.</p><pre><code>acme invoice create --customer 42</code></pre>',
    ),
  );
  s.set('/old-docs', { status: 301, headers: { location: '/docs/start' } });
  s.set(
    '/faq',
    page(
      'FAQ',
      '<h2>Can I cancel anytime?</h2><p>Yes, you can cancel your subscription at any time from the billing page.</p>',
    ),
  );
  s.set('/private/admin', page('Admin', '<p>Secret admin console text.</p>'));
}

beforeAll(async () => {
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true });
  ws = await buildWorkspace(t.context);
  site = await startStaticSite();
  buildSite(site);
});
afterAll(async () => {
  await site.close();
  await t.close();
});

async function newBot() {
  return (
    await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.liveKey, body: { name: 'Site bot' } })
  ).json().id as string;
}

async function waitUntilDone(id: string) {
  let source: Record<string, unknown> = {};
  await expect
    .poll(
      async () => {
        source = (await t.request({ url: `/v1/sources/${id}`, key: ws.liveKey })).json();
        return source.status;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toMatch(/^(ready|failed)$/);
  return source;
}

async function documentsOf(id: string) {
  const response = await t.request({ url: `/v1/sources/${id}/documents?page_size=100`, key: ws.liveKey });
  return response.json().data as {
    url: string;
    title: string;
    status: string;
    error: string | null;
    chunks: number;
    http_status: number | null;
  }[];
}

async function chunkTextOf(id: string): Promise<string> {
  const rows = await t.context.db.query<{ text: string }>('SELECT text FROM chunks WHERE source_id = $1', [
    decodeId('src', id, 'id'),
  ]);
  return rows.map((row) => row.text).join('\n');
}

describe('website sources', () => {
  it('crawls the site: main content only, robots.txt and the sitemap honoured, errors recorded', async () => {
    const botId = await newBot();
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: { type: 'website', url: `${site.origin}/` },
    });
    expect(created.statusCode).toBe(202);
    const done = await waitUntilDone(created.json().id);
    expect(done.status).toBe('ready');
    const docs = await documentsOf(created.json().id);
    const byUrl = new Map(docs.map((doc) => [doc.url.replace(site.origin, ''), doc]));
    expect(byUrl.get('/')).toMatchObject({ status: 'ready', title: 'Welcome' });
    expect(byUrl.get('/pricing')).toMatchObject({ status: 'ready', title: 'Pricing' });
    expect(byUrl.get('/docs/start')).toMatchObject({ status: 'ready', title: 'Getting started' });
    expect(byUrl.get('/faq')).toMatchObject({ status: 'ready' }); // only linked from the sitemap
    expect(byUrl.get('/private/admin')).toMatchObject({ status: 'skipped' });
    expect(byUrl.get('/private/admin')!.error).toMatch(/robots/i);
    expect(byUrl.get('/missing')).toMatchObject({ status: 'failed', http_status: 404 });
    expect(byUrl.get('/files/returns-guide.pdf')).toMatchObject({
      status: 'ready',
      title: 'Acme Returns Guide',
    });
    expect(byUrl.get('/files/handbook.docx')).toMatchObject({ status: 'ready' });
    // The redirect lands on a page already indexed: it is not indexed twice.
    const redirected = byUrl.get('/old-docs');
    expect(redirected?.status === 'skipped' || redirected === undefined).toBe(true);
    expect(site.requests.some((r) => r.path === '/private/admin')).toBe(false);

    const text = await chunkTextOf(created.json().id);
    expect(text).toContain('Acme makes invoicing simple for small teams.');
    expect(text).toContain('49 EUR per month');
    expect(text).toContain('Confirm your email address.');
    expect(text).toContain('acme invoice create --customer 42');
    expect(text).toContain('cancel your subscription at any time');
    expect(text).toContain('Write to returns@example.com or call +1 555 0100');
    expect(text).not.toContain('We use cookies');
    expect(text).not.toContain('All rights reserved');
    expect(text).not.toContain('Secret admin console');
    expect(done).toMatchObject({ pages_failed: 1 });
    expect(Number(done.pages_processed)).toBe(docs.length);
  });

  it('re-syncs: unchanged pages kept, changed ones re-indexed, vanished ones removed', async () => {
    const own = await startStaticSite();
    try {
      own.set('/', page('Home', '<p>Version one of the home page.</p><a href="/a">A</a> <a href="/b">B</a>'));
      own.set('/a', {
        body: page('Page A', '<p>Page A stays the same forever.</p>'),
        headers: { etag: '"a1"' },
      });
      own.set('/b', page('Page B', '<p>Page B will disappear.</p>'));
      const botId = await newBot();
      const id = (
        await t.request({
          method: 'POST',
          url: `/v1/chatbots/${botId}/sources`,
          key: ws.liveKey,
          body: { type: 'website', url: `${own.origin}/` },
        })
      ).json().id;
      expect((await waitUntilDone(id)).status).toBe('ready');
      expect(await chunkTextOf(id)).toContain('Page B will disappear.');

      own.set('/', page('Home', '<p>Version two of the home page.</p><a href="/a">A</a>'));
      own.pages.delete('/b');
      const requestsBefore = own.requests.length;
      const resync = await t.request({ method: 'POST', url: `/v1/sources/${id}/resync`, key: ws.liveKey });
      expect(resync.statusCode).toBe(202);
      expect(resync.json().status).toBe('queued');
      const done = await waitUntilDone(id);
      expect(done.status).toBe('ready');
      const text = await chunkTextOf(id);
      expect(text).toContain('Version two of the home page.');
      expect(text).not.toContain('Version one');
      expect(text).toContain('Page A stays the same forever.');
      expect(text).not.toContain('Page B will disappear.');
      // The navigation's links to pages this site does not have stay listed as failed 404s.
      const docs = await documentsOf(id);
      expect(
        docs
          .filter((d) => d.status === 'ready')
          .map((d) => d.url.replace(own.origin, ''))
          .sort(),
      ).toEqual(['/', '/a']);
      expect(docs.map((d) => d.url.replace(own.origin, ''))).not.toContain('/b');
      // Page A was asked for with its ETag and answered 304.
      const second = own.requests.slice(requestsBefore).filter((r) => r.path === '/a');
      expect(second[0]?.headers['if-none-match']).toBe('"a1"');
    } finally {
      await own.close();
    }
  });

  it('reads one page for a url source, and only the listed pages for a sitemap source', async () => {
    const botId = await newBot();
    const single = (
      await t.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/sources`,
        key: ws.liveKey,
        body: { type: 'url', url: `${site.origin}/pricing` },
      })
    ).json();
    const sitemap = (
      await t.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/sources`,
        key: ws.liveKey,
        body: { type: 'sitemap', url: `${site.origin}/sitemap.xml` },
      })
    ).json();
    expect((await waitUntilDone(single.id)).status).toBe('ready');
    expect((await documentsOf(single.id)).map((d) => d.url)).toEqual([`${site.origin}/pricing`]);
    expect((await waitUntilDone(sitemap.id)).status).toBe('ready');
    expect((await documentsOf(sitemap.id)).map((d) => d.url).sort()).toEqual([
      `${site.origin}/faq`,
      `${site.origin}/pricing`,
    ]);
  });
});

describe('scheduled re-sync', () => {
  it('re-syncs a source when its interval has passed', async () => {
    const botId = await newBot();
    const created = (
      await t.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/sources`,
        key: ws.liveKey,
        body: { type: 'url', url: `${site.origin}/faq`, resync_interval_hours: 6 },
      })
    ).json();
    expect(created.resync_interval_hours).toBe(6);
    const first = await waitUntilDone(created.id);
    const lastSynced = Date.parse(String(first.last_synced_at));
    const next = Date.parse(String(first.next_resync_at));
    expect(next - lastSynced).toBe(6 * 3_600_000);

    // Time passes: the sweep (a cron job every 5 minutes) finds the source due and queues it.
    await t.context.db.query(
      "UPDATE sources SET next_resync_at = now() - interval '1 minute' WHERE id = $1",
      [decodeId('src', created.id, 'id')],
    );
    await t.context.ingest.sweep();
    await expect
      .poll(
        async () => {
          const source = (await t.request({ url: `/v1/sources/${created.id}`, key: ws.liveKey })).json();
          return source.status === 'ready' && Date.parse(source.last_synced_at) > lastSynced;
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(true);
  });
});

describe('SSRF guard', () => {
  it('refuses to crawl private addresses unless allowed', async () => {
    const guarded = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'false' }, { workers: true });
    try {
      const own = await buildWorkspace(guarded.context);
      const botId = (
        await guarded.request({ method: 'POST', url: '/v1/chatbots', key: own.liveKey, body: { name: 'b' } })
      ).json().id;
      const id = (
        await guarded.request({
          method: 'POST',
          url: `/v1/chatbots/${botId}/sources`,
          key: own.liveKey,
          body: { type: 'url', url: `${site.origin}/pricing` },
        })
      ).json().id;
      let source: Record<string, unknown> = {};
      await expect
        .poll(
          async () => {
            source = (await guarded.request({ url: `/v1/sources/${id}`, key: own.liveKey })).json();
            return source.status;
          },
          { timeout: 30_000, interval: 100 },
        )
        .toBe('failed');
      const docs = (await guarded.request({ url: `/v1/sources/${id}/documents`, key: own.liveKey })).json()
        .data;
      expect(docs[0].error).toMatch(/private|loopback|not allowed/i);
      expect(source.chunks).toBe(0);
    } finally {
      await guarded.close();
    }
  }, 120_000); // starts a second server of its own, with its workers
});

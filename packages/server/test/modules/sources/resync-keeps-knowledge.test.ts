// Re-sync against a web server that answers conditional requests (ETag / If-None-Match and
// Last-Modified / If-Modified-Since → 304) and that sometimes fails: what the bot knew is kept
// unless the site really says a page is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticSite, startStaticSite } from '../../fakes/static-site.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let site: StaticSite;

const LAST_MODIFIED = 'Tue, 02 Apr 2024 10:00:00 GMT';

/** A bare page: its own links only, so each test's pages stay among themselves. */
function html(title: string, text: string, links: string[] = []): string {
  const anchors = links.map((href) => `<a href="${href}">${href}</a>`).join(' ');
  return `<!doctype html><html><head><title>${title}</title></head><body><main><h1>${title}</h1><p>${text}</p><nav>${anchors}</nav></main></body></html>`;
}

/** Served with an ETag, or with only a Last-Modified: real servers send either. */
function withValidators(path: string, body: string, kind: 'etag' | 'last-modified') {
  site.set(path, {
    body,
    headers: kind === 'etag' ? { etag: `"${path}-v1"` } : { 'last-modified': LAST_MODIFIED },
  });
}

beforeAll(async () => {
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true });
  ws = await buildWorkspace(t.context);
  site = await startStaticSite();
});
afterAll(async () => {
  await site.close();
  await t.close();
});

async function newBot(): Promise<string> {
  return (
    await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.liveKey, body: { name: 'Re-sync bot' } })
  ).json().id;
}

async function addSource(botId: string, body: Record<string, unknown>): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/sources`,
    key: ws.liveKey,
    body,
  });
  expect(response.statusCode, response.body).toBe(202);
  return response.json().id;
}

async function waitUntilDone(id: string): Promise<Record<string, unknown>> {
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

async function resync(id: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await t.request({
    method: 'POST',
    url: `/v1/sources/${id}/resync`,
    key: ws.liveKey,
    body,
  });
  expect(response.statusCode, response.body).toBe(202);
  return waitUntilDone(id);
}

async function documentsOf(id: string) {
  const response = await t.request({ url: `/v1/sources/${id}/documents?page_size=100`, key: ws.liveKey });
  return response.json().data as { url: string; status: string; chunks: number; error: string | null }[];
}

const readyPaths = async (id: string) =>
  (await documentsOf(id))
    .filter((doc) => doc.status === 'ready' && doc.chunks > 0)
    .map((doc) => new URL(doc.url).pathname)
    .sort();

async function searchTexts(botId: string, query: string): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/search`,
    key: ws.liveKey,
    body: { query },
  });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().data as { text: string }[]).map((result) => result.text).join('\n');
}

async function failedEventsFor(id: string) {
  const response = await t.request({ url: '/v1/events?type=source.failed&page_size=100', key: ws.liveKey });
  return (response.json().data as { data: { id: string; error: string | null } }[]).filter(
    (event) => event.data.id === id,
  );
}

describe('re-sync of unchanged pages', () => {
  it('keeps every page when the server answers 304 to ETag and Last-Modified', async () => {
    withValidators(
      '/kb/',
      html('Help centre', 'Welcome to the help centre.', ['/kb/guide', '/kb/billing']),
      'etag',
    );
    withValidators(
      '/kb/guide',
      html('Guide', 'The guide explains the basics.', ['/kb/guide/setup', '/kb/guide/faq']),
      'last-modified',
    );
    withValidators('/kb/billing', html('Billing', 'Invoices are sent on the first of the month.'), 'etag');
    withValidators(
      '/kb/guide/setup',
      html('Setup', 'Install the mobile app and scan the pairing code.'),
      'last-modified',
    );
    withValidators('/kb/guide/faq', html('FAQ', 'Refunds are processed within ten working days.'), 'etag');
    const botId = await newBot();
    const id = await addSource(botId, { type: 'website', url: `${site.origin}/kb/` });
    const first = await waitUntilDone(id);
    expect(first.status).toBe('ready');
    const pages = ['/kb/', '/kb/billing', '/kb/guide', '/kb/guide/faq', '/kb/guide/setup'];
    expect(await readyPaths(id)).toEqual(pages);

    const requestsBefore = site.requests.length;
    const second = await resync(id);

    expect(second).toMatchObject({ status: 'ready', error: null, chunks: first.chunks });
    expect(await readyPaths(id)).toEqual(pages);
    expect(await searchTexts(botId, 'How long do refunds take?')).toContain('ten working days');
    // Every page was asked for conditionally and answered 304: nothing was downloaded again.
    const asked = site.requests.slice(requestsBefore).filter((r) => r.path.startsWith('/kb/'));
    expect(asked).toHaveLength(5);
    for (const request of asked) {
      expect(request.headers['if-none-match'] ?? request.headers['if-modified-since']).toBeTruthy();
    }
  });

  it('keeps a page that fails for a while, and removes one that answers 404', async () => {
    site.set('/shop/', html('Shop', 'Our shop sells tea.', ['/shop/green', '/shop/black', '/shop/white']));
    site.set('/shop/green', html('Green tea', 'Green tea is steamed, never fermented.'));
    site.set('/shop/black', html('Black tea', 'Black tea is fully oxidised.'));
    site.set('/shop/white', html('White tea', 'White tea is picked in early spring.'));
    const botId = await newBot();
    const id = await addSource(botId, { type: 'website', url: `${site.origin}/shop/` });
    expect((await waitUntilDone(id)).status).toBe('ready');

    site.set('/shop/green', { status: 503, body: 'Service unavailable' });
    site.pages.delete('/shop/white');
    const done = await resync(id);

    expect(done.status).toBe('ready');
    const byPath = new Map((await documentsOf(id)).map((doc) => [new URL(doc.url).pathname, doc]));
    expect(byPath.get('/shop/green')).toMatchObject({ status: 'ready' });
    expect(byPath.get('/shop/green')!.chunks).toBeGreaterThan(0);
    expect(byPath.get('/shop/green')!.error).toMatch(/503/);
    expect(byPath.get('/shop/white')).toMatchObject({ status: 'failed', chunks: 0 });
    expect(await searchTexts(botId, 'Is green tea steamed?')).toContain('steamed');
    expect(await searchTexts(botId, 'When is white tea picked?')).not.toContain('early spring');
  });
});

describe('re-sync during an outage', () => {
  it('keeps a sitemap source whole when its sitemap answers 503, and tries again later', async () => {
    const urls = ['/news/one', '/news/two', '/news/three'];
    const sitemap = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls
      .map((path) => `<url><loc>${site.origin}${path}</loc></url>`)
      .join('')}</urlset>`;
    site.set('/news/sitemap.xml', { type: 'application/xml', body: sitemap });
    site.set('/news/one', html('Launch', 'We launched the new dashboard in March.'));
    site.set('/news/two', html('Office', 'Our new office opens in Lisbon.'));
    site.set('/news/three', html('Hiring', 'We are hiring support engineers.'));
    const botId = await newBot();
    const id = await addSource(botId, {
      type: 'sitemap',
      url: `${site.origin}/news/sitemap.xml`,
      resync_interval_hours: 12,
    });
    const first = await waitUntilDone(id);
    expect(first.status).toBe('ready');

    site.set('/news/sitemap.xml', { status: 503, body: 'Service unavailable' });
    const failed = await resync(id);

    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/sitemap/i);
    expect(failed.error).toMatch(/503/);
    expect(failed.error).toMatch(/previous 3 pages are kept/);
    expect(failed.chunks).toBe(first.chunks);
    expect(failed.next_resync_at).not.toBeNull();
    expect(await readyPaths(id)).toEqual(['/news/one', '/news/three', '/news/two']);
    expect(await searchTexts(botId, 'Where is the new office?')).toContain('Lisbon');
    const events = await failedEventsFor(id);
    expect(events).toHaveLength(1);
    expect(events[0]!.data.error).toMatch(/503/);

    // The sitemap is back: the next re-sync succeeds.
    site.set('/news/sitemap.xml', { type: 'application/xml', body: sitemap });
    expect(await resync(id)).toMatchObject({ status: 'ready', error: null, chunks: first.chunks });
  });

  it('fails a new sitemap source whose sitemap answers 404', async () => {
    const botId = await newBot();
    const id = await addSource(botId, { type: 'sitemap', url: `${site.origin}/nowhere/sitemap.xml` });
    const done = await waitUntilDone(id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/404/);
    expect(await failedEventsFor(id)).toHaveLength(1);
  });

  it('keeps a website source whole when robots.txt or the start page answers 503', async () => {
    site.set('/docs/', html('Docs', 'Documentation home.', ['/docs/api', '/docs/cli', '/docs/gone']));
    site.set('/docs/api', html('API', 'Authenticate with a bearer token.'));
    site.set('/docs/cli', html('CLI', 'Run the sync command every night.'));
    const botId = await newBot();
    const id = await addSource(botId, { type: 'website', url: `${site.origin}/docs/` });
    const first = await waitUntilDone(id);
    expect(first.status).toBe('ready');
    expect(first).toMatchObject({ pages_processed: 4, pages_failed: 1 });
    const pages = ['/docs/', '/docs/api', '/docs/cli'];
    expect(await readyPaths(id)).toEqual(pages);
    const statuses = async () =>
      (await documentsOf(id)).map(
        (doc: { url: string; status: string }) => `${new URL(doc.url).pathname} ${doc.status}`,
      );
    const before = await statuses();
    expect(before).toContain('/docs/gone failed');

    site.set('/robots.txt', { status: 503, type: 'text/plain', body: 'down' });
    try {
      const failed = await resync(id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/robots\.txt/);
      expect(failed.error).toMatch(/503/);
      expect(failed.chunks).toBe(first.chunks);
      expect(await readyPaths(id)).toEqual(pages);
    } finally {
      site.pages.delete('/robots.txt');
    }

    site.set('/docs/', { status: 503, body: 'Service unavailable' });
    const failed = await resync(id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/start page/);
    expect(failed.error).toMatch(/503/);
    expect(failed.chunks).toBe(first.chunks);
    expect(await readyPaths(id)).toEqual(pages);
    // Nothing else changed either: the page that failed before is still failed, counts as before.
    expect(await statuses()).toEqual(before);
    expect(failed).toMatchObject({ pages_processed: 4, pages_failed: 1 });
    expect(await searchTexts(botId, 'How do I authenticate?')).toContain('bearer token');
    expect(await failedEventsFor(id)).toHaveLength(2);
  });

  it('refuses a re-sync that would remove more than half of the pages, and says why', async () => {
    const links = ['/menu/a', '/menu/b', '/menu/c', '/menu/d'];
    site.set('/menu/', html('Menu', 'Everything we cook.', links));
    site.set('/menu/a', html('Soup', 'Tomato soup with basil.'));
    site.set('/menu/b', html('Salad', 'Greek salad with feta.'));
    site.set('/menu/c', html('Pasta', 'Pasta with pesto.'));
    site.set('/menu/d', html('Cake', 'Chocolate cake with cream.'));
    const botId = await newBot();
    const id = await addSource(botId, { type: 'website', url: `${site.origin}/menu/` });
    const first = await waitUntilDone(id);
    expect(first.status).toBe('ready');

    // A broken template drops most links: three of the five pages are no longer reached.
    site.set('/menu/', html('Menu', 'Everything we cook, today.', ['/menu/a']));
    const refused = await resync(id);

    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/3 of the 5 pages/);
    expect(refused.error).toMatch(/kept/);
    expect(refused.error).toMatch(/allow_removals/);
    expect(await readyPaths(id)).toEqual(['/menu/', '/menu/a', '/menu/b', '/menu/c', '/menu/d']);
    expect(await searchTexts(botId, 'Is there chocolate cake?')).toContain('Chocolate cake');
    expect(await failedEventsFor(id)).toHaveLength(1);

    // An empty body is no permission either.
    expect((await resync(id, {})).status).toBe('failed');
    expect(await readyPaths(id)).toHaveLength(5);

    // The menu really did shrink: the user lets this one re-sync remove what it no longer reaches.
    const allowed = await resync(id, { allow_removals: true });
    expect(allowed.status, String(allowed.error)).toBe('ready');
    expect(allowed.error).toBeNull();
    expect(await readyPaths(id)).toEqual(['/menu/', '/menu/a']);
    expect(await searchTexts(botId, 'Is there chocolate cake?')).not.toContain('Chocolate cake');

    // The permission was for that re-sync only: the next one that would remove most pages is refused.
    site.set('/menu/a', html('Soup', 'Tomato soup with basil.', ['/menu/e', '/menu/f', '/menu/g']));
    for (const page of ['e', 'f', 'g'])
      site.set(`/menu/${page}`, html(`Dish ${page}`, `Dish ${page} of the day.`));
    expect((await resync(id)).status).toBe('ready');
    site.set('/menu/a', html('Soup', 'Tomato soup with basil.'));
    expect((await resync(id)).status).toBe('failed');
    expect(await readyPaths(id)).toHaveLength(5);
  });

  it('rejects a re-sync body it does not know, and changes nothing', async () => {
    const botId = await newBot();
    site.set('/lone/', html('Lone page', 'A page on its own.'));
    const id = await addSource(botId, { type: 'url', url: `${site.origin}/lone/` });
    expect((await waitUntilDone(id)).status).toBe('ready');
    for (const [body, param] of [
      [{ allow_removals: 'yes' }, 'allow_removals'],
      [{ allow_removal: true }, 'allow_removal'],
    ] as const) {
      const response = await t.request({
        method: 'POST',
        url: `/v1/sources/${id}/resync`,
        key: ws.liveKey,
        body,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({ type: 'invalid_request_error', param });
    }
    const source = (await t.request({ url: `/v1/sources/${id}`, key: ws.liveKey })).json();
    expect(source.status).toBe('ready');
  });
});

// What a user sees of include/exclude patterns and of the order of a source's documents: the
// glob examples of docs/sources.md work, a pattern that can never match is refused, and
// documents are listed in the order the crawl found them, page after page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticSite, startStaticSite } from '../../fakes/static-site.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let site: StaticSite;
let botId: string;

function html(title: string, links: string[] = []): string {
  const anchors = links.map((href) => `<a href="${href}">${href}</a>`).join(' ');
  return `<!doctype html><html><head><title>${title}</title></head><body><main><h1>${title}</h1><p>All about ${title.toLowerCase()}.</p>${anchors}</main></body></html>`;
}

beforeAll(async () => {
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true });
  ws = await buildWorkspace(t.context);
  site = await startStaticSite();
  botId = (
    await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.liveKey, body: { name: 'Patterns' } })
  ).json().id;
});
afterAll(async () => {
  await site.close();
  await t.close();
});

async function create(body: Record<string, unknown>) {
  return t.request({ method: 'POST', url: `/v1/chatbots/${botId}/sources`, key: ws.liveKey, body });
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

/** Every document's path, following next_cursor page by page. */
async function pathsOf(id: string, pageSize: number): Promise<string[]> {
  const paths: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `page_size=${pageSize}${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await t.request({ url: `/v1/sources/${id}/documents?${query}`, key: ws.liveKey })).json();
    paths.push(...page.data.map((doc: { url: string }) => new URL(doc.url).pathname));
    cursor = page.next_cursor;
  } while (cursor);
  return paths;
}

describe('include and exclude patterns', () => {
  it('excludes the blog with */blog/*, as the docs show', async () => {
    site.set('/site/', html('Home', ['/site/pricing', '/site/blog/launch', '/site/blog/team']));
    site.set('/site/pricing', html('Pricing'));
    site.set('/site/blog/launch', html('Launch'));
    site.set('/site/blog/team', html('Team'));
    const created = await create({ type: 'website', url: `${site.origin}/site/`, exclude: ['*/blog/*'] });
    expect(created.statusCode, created.body).toBe(202);
    expect(created.json().exclude).toEqual(['*/blog/*']);
    expect((await waitUntilDone(created.json().id)).status).toBe('ready');
    expect((await pathsOf(created.json().id, 100)).sort()).toEqual(['/site/', '/site/pricing']);
    expect(site.requests.some((request) => request.path.startsWith('/site/blog/'))).toBe(false);
  });

  it('fills a sitemap source up to max_pages with the pages its patterns allow', async () => {
    const listed = ['/sm/g0', '/sm/g1', '/sm/g2', '/sm/s0', '/sm/s1', '/sm/s2'];
    for (const path of listed) site.set(path, html(path.slice(4)));
    site.set('/sm/sitemap.xml', {
      type: 'application/xml',
      body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${listed
        .map((path) => `<url><loc>${site.origin}${path}</loc></url>`)
        .join('')}</urlset>`,
    });
    for (const [maxPages, expected] of [
      [1, ['/sm/s0']],
      [2, ['/sm/s0', '/sm/s1']],
    ] as const) {
      const created = await create({
        type: 'sitemap',
        url: `${site.origin}/sm/sitemap.xml`,
        exclude: ['/sm/g*'],
        max_pages: maxPages,
      });
      expect(created.statusCode, created.body).toBe(202);
      const done = await waitUntilDone(created.json().id);
      expect(done.status, JSON.stringify(done)).toBe('ready');
      expect(await pathsOf(created.json().id, 100)).toEqual(expected);
    }
  });

  it('fills a website source up to max_pages, links to pages it already has taking no room', async () => {
    // Every page carries the same navigation, as real sites do; each section also links a page
    // of its own that only it links to.
    const nav = ['/nav/', ...[1, 2, 3, 4, 5, 6].map((n) => `/nav/p${n}`)];
    site.set('/nav/', html('Nav home', nav));
    for (const n of [1, 2, 3, 4, 5, 6]) {
      site.set(`/nav/p${n}`, html(`Section ${n}`, [...nav, `/nav/q${n}`]));
      site.set(`/nav/q${n}`, html(`Detail ${n}`, nav));
    }
    const created = await create({ type: 'website', url: `${site.origin}/nav/`, max_pages: 10 });
    expect(created.statusCode, created.body).toBe(202);
    const source = await waitUntilDone(created.json().id);
    expect(source).toMatchObject({ status: 'ready', pages_discovered: 10 });
    const paths = await pathsOf(created.json().id, 100);
    expect(paths).toHaveLength(10);
    expect(paths.filter((path) => path.startsWith('/nav/q'))).toHaveLength(3);
  });

  it('refuses a pattern that can never match, naming it, and creates nothing', async () => {
    const before = (await t.request({ url: `/v1/chatbots/${botId}/sources`, key: ws.liveKey })).json().data
      .length;
    for (const [body, param] of [
      [{ type: 'website', url: `${site.origin}/`, exclude: ['/docs/**', '/blog posts/*'] }, 'exclude.1'],
      [{ type: 'website', url: `${site.origin}/`, include: ['https://elsewhere.example/**'] }, 'include.0'],
      [{ type: 'sitemap', url: `${site.origin}/sitemap.xml`, include: ['/faq#answers'] }, 'include.0'],
      [{ type: 'website', url: `${site.origin}/`, include: ['//double'] }, 'include.0'],
      [{ type: 'website', url: `${site.origin}/`, exclude: ['/docs/*', '//*'] }, 'exclude.1'],
    ] as const) {
      const response = await create(body);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_parameter',
        param,
        status: 400,
      });
      expect(response.json().error.message).toMatch(/can never match/);
    }
    const after = (await t.request({ url: `/v1/chatbots/${botId}/sources`, key: ws.liveKey })).json().data;
    expect(after.length).toBe(before);
  });
});

describe('progress', () => {
  it('counts each page as it is done, not once its batch is', async () => {
    const fast = ['/live/a', '/live/b', '/live/c', '/live/d'];
    site.set('/live/', html('Live', [...fast, '/live/slow']));
    for (const path of fast) site.set(path, html(path.slice(6)));
    site.set('/live/slow', { body: html('Slow'), delayMs: 4_000 });
    const created = await create({ type: 'website', url: `${site.origin}/live/` });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id as string;
    // The start page and the four fast ones are counted while the slow one is still loading.
    await expect
      .poll(
        async () => {
          const source = (await t.request({ url: `/v1/sources/${id}`, key: ws.liveKey })).json();
          return source.status === 'processing' ? source.pages_processed : -1;
        },
        { timeout: 3_500, interval: 100 },
      )
      .toBe(5);
    const done = await waitUntilDone(id);
    expect(done).toMatchObject({ status: 'ready', pages_processed: 6 });
  });
});

describe('duplicates', () => {
  it('indexes a page reached under several URLs at once only once', async () => {
    const variants = Array.from({ length: 8 }, (_, i) => `/dup/page?v=${i}`);
    site.set('/dup/', html('Dup', variants));
    site.set('/dup/page', html('Same page'));
    const created = await create({ type: 'website', url: `${site.origin}/dup/` });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id as string;
    expect((await waitUntilDone(id)).status).toBe('ready');
    const docs = (
      await t.request({ url: `/v1/sources/${id}/documents?page_size=100`, key: ws.liveKey })
    ).json().data as { url: string; status: string; error: string | null }[];
    const copies = docs.filter((doc) => doc.url.includes('/dup/page'));
    expect(copies).toHaveLength(8);
    expect(copies.filter((doc) => doc.status === 'ready')).toHaveLength(1);
    for (const doc of copies.filter((copy) => copy.status !== 'ready')) {
      expect(doc).toMatchObject({ status: 'skipped', error: expect.stringMatching(/^Same content as /) });
    }
  });
});

describe('document order', () => {
  it('lists a sitemap source in the order of its sitemap, across pages of results', async () => {
    const listed = ['/list/zebra', '/list/mango', '/list/apple', '/list/kiwi', '/list/banana'];
    site.set('/list/sitemap.xml', {
      type: 'application/xml',
      body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${listed
        .map((path) => `<url><loc>${site.origin}${path}</loc></url>`)
        .join('')}</urlset>`,
    });
    for (const path of listed) site.set(path, html(path.slice(6)));
    const created = await create({ type: 'sitemap', url: `${site.origin}/list/sitemap.xml` });
    expect((await waitUntilDone(created.json().id)).status).toBe('ready');
    expect(await pathsOf(created.json().id, 100)).toEqual(listed);
    expect(await pathsOf(created.json().id, 2)).toEqual(listed);
  });

  it('lists a website source as the crawl found it: the start page, then its links in page order', async () => {
    site.set('/crawl/', html('Start', ['/crawl/zulu', '/crawl/alpha', '/crawl/mike']));
    site.set('/crawl/zulu', html('Zulu', ['/crawl/zulu/deep']));
    site.set('/crawl/alpha', html('Alpha'));
    site.set('/crawl/mike', html('Mike'));
    site.set('/crawl/zulu/deep', html('Deep'));
    const created = await create({ type: 'website', url: `${site.origin}/crawl/` });
    expect((await waitUntilDone(created.json().id)).status).toBe('ready');
    expect(await pathsOf(created.json().id, 2)).toEqual([
      '/crawl/',
      '/crawl/zulu',
      '/crawl/alpha',
      '/crawl/mike',
      '/crawl/zulu/deep',
    ]);
  });
});

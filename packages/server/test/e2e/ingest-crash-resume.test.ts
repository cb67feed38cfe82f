// kill -9 in the middle of a crawl: the next start finishes the source, with every page once
// and no duplicated chunks.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { startStaticSite } from '../fakes/static-site.ts';
import { api, waitUntil } from './http-helpers.ts';
import { makeDataDir, startParley, stopParley, useProcessCleanup } from './process-helpers.ts';

useProcessCleanup();

const PAGES = 30;

/** Plain pages: no navigation, so the crawl finds exactly the pages listed on the index. */
const page = (title: string, main: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><main><h1>${title}</h1>${main}</main></body></html>`;

describe('ingestion survives kill -9', () => {
  it('resumes a crawl after the process is killed, without duplicates', async () => {
    const site = await startStaticSite();
    try {
      const links = Array.from({ length: PAGES }, (_, i) => `<a href="/p${i}">Page ${i}</a>`).join(' ');
      site.set('/', page('Index', `<p>All pages of the manual.</p>${links}`));
      for (let i = 0; i < PAGES; i++) {
        site.set(`/p${i}`, {
          body: page(
            `Page ${i}`,
            `<p>Paragraph number ${i} explains feature ${i} in detail.</p><p>Second paragraph of page ${i}.</p>`,
          ),
          delayMs: 150,
        });
      }
      const dataDir = makeDataDir();
      const env = { PARLEY_ALLOW_PRIVATE_NETWORK: 'true', PARLEY_CRAWL_CONCURRENCY: '1' };
      const first = await startParley(dataDir, { env });
      const key = first.banner.keys.find((k) => k.environment === 'live')!.secret;
      const bot = await api(first.url, '/v1/chatbots', { key, method: 'POST', body: { name: 'Manual' } });
      const created = await api(first.url, `/v1/chatbots/${bot.body.id}/sources`, {
        key,
        method: 'POST',
        body: { type: 'website', url: `${site.origin}/` },
      });
      expect(created.status).toBe(202);
      const sourceId = created.body.id as string;
      await waitUntil(
        'a few pages processed',
        async () => (await api(first.url, `/v1/sources/${sourceId}`, { key })).body.pages_processed >= 5,
        60_000,
      );
      await stopParley(first, 'SIGKILL');
      const midway = site.requests.length;
      expect(midway).toBeLessThan(PAGES + 3);

      const second = await startParley(dataDir, { env });
      let source: Record<string, unknown> = {};
      await waitUntil(
        'the source to be ready after the restart',
        async () => {
          source = (await api(second.url, `/v1/sources/${sourceId}`, { key })).body;
          return source.status === 'ready' || source.status === 'failed';
        },
        90_000,
      );
      expect(source).toMatchObject({
        status: 'ready',
        pages_discovered: PAGES + 1,
        pages_processed: PAGES + 1,
        pages_failed: 0,
      });
      const docs = (await api(second.url, `/v1/sources/${sourceId}/documents?page_size=100`, { key })).body
        .data as { url: string; status: string }[];
      expect(docs).toHaveLength(PAGES + 1);
      expect(new Set(docs.map((d) => d.url)).size).toBe(PAGES + 1);
      expect(docs.every((d) => d.status === 'ready')).toBe(true);
      await stopParley(second);

      // Read the index itself: every page's chunks once, no leftovers of the killed run.
      const db = await openDatabase({
        databaseUrl: null,
        pgliteDir: path.join(dataDir, 'pgdata'),
        logger: createLogger('silent'),
      });
      try {
        const [counts] = await db.query<{ chunks: number; distinct_positions: number; documents: number }>(
          'SELECT count(*)::int AS chunks, count(DISTINCT (document_id, position))::int AS distinct_positions, count(DISTINCT document_id)::int AS documents FROM chunks',
        );
        expect(counts!.chunks).toBe(counts!.distinct_positions);
        expect(counts!.documents).toBe(PAGES + 1);
        expect(counts!.chunks).toBe(source.chunks);
        const texts = await db.query<{ text: string }>('SELECT text FROM chunks');
        for (let i = 0; i < PAGES; i++) {
          expect(texts.filter((t) => t.text.includes(`Paragraph number ${i} explains`))).toHaveLength(1);
        }
      } finally {
        await db.close();
      }
    } finally {
      await site.close();
    }
  }, 240_000);
});

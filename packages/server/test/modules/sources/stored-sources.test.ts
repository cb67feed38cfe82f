// Text, Q&A and file sources: processed from what the source holds, no fetching.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let botId: string;
beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ws = await buildWorkspace(t.context);
  botId = (
    await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.liveKey, body: { name: 'Docs bot' } })
  ).json().id;
});
afterAll(async () => {
  await t.close();
});

async function waitUntilDone(id: string, key = ws.liveKey) {
  let source: Record<string, unknown> = {};
  await expect
    .poll(
      async () => {
        source = (await t.request({ url: `/v1/sources/${id}`, key })).json();
        return source.status;
      },
      { timeout: 20_000, interval: 100 },
    )
    .toMatch(/^(ready|failed)$/);
  return source;
}

async function chunkTexts(
  sourceId: string,
): Promise<{ title: string; heading: string; text: string; question: string | null }[]> {
  return t.context.db.query(
    'SELECT title, heading, text, question FROM chunks WHERE source_id = $1 ORDER BY document_id, position',
    [decodeId('src', sourceId, 'id')],
  );
}

describe('text sources', () => {
  it('indexes the text with its headings and reports counts', async () => {
    const content =
      '# Refunds\n\nWe refund any order within 30 days.\n\n## How to ask\n\nWrite to billing@example.com with your order number.';
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: { type: 'text', title: 'Refund policy', content },
    });
    expect(created.statusCode).toBe(202);
    expect(created.json()).toMatchObject({
      type: 'text',
      title: 'Refund policy',
      status: 'queued',
      chatbot_id: botId,
    });
    const done = await waitUntilDone(created.json().id);
    expect(done).toMatchObject({
      status: 'ready',
      error: null,
      pages_discovered: 1,
      pages_processed: 1,
      pages_failed: 0,
    });
    expect(done.chunks).toBeGreaterThanOrEqual(1);
    expect(done.chars).toBeGreaterThan(60);
    const chunks = await chunkTexts(created.json().id);
    const all = chunks.map((c) => c.text).join('\n');
    expect(all).toContain('We refund any order within 30 days.');
    expect(all).toContain('billing@example.com');
    expect(chunks.every((c) => c.title === 'Refund policy')).toBe(true);
    // Small sections under one heading share a chunk, which keeps the first section's heading path.
    expect(chunks[0]!.heading).toBe('Refunds');
    expect(all).toContain('How to ask');

    const docs = (
      await t.request({ url: `/v1/sources/${created.json().id}/documents`, key: ws.liveKey })
    ).json();
    expect(docs.data).toHaveLength(1);
    expect(docs.data[0]).toMatchObject({ url: null, title: 'Refund policy', status: 'ready', error: null });
    expect(docs.data[0].content_hash).toMatch(/^[0-9a-f]{64}$/);

    const events = await t.context.db.query<{ type: string; data: { id: string; status: string } }>(
      "SELECT type, data FROM events WHERE type LIKE 'source.%'",
    );
    expect(
      events.some(
        (e) => e.type === 'source.trained' && e.data.id === created.json().id && e.data.status === 'ready',
      ),
    ).toBe(true);
  });
});

describe('text sources with the page they are published on', () => {
  it('links answers to that page, fetching nothing', async () => {
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: {
        type: 'text',
        title: 'Warranty',
        content: 'Every kettle has a two-year warranty.',
        url: 'https://help.example.com/warranty',
      },
    });
    expect(created.statusCode, created.body).toBe(202);
    expect(created.json()).toMatchObject({ type: 'text', url: 'https://help.example.com/warranty' });
    expect(await waitUntilDone(created.json().id)).toMatchObject({ status: 'ready', pages_failed: 0 });
    // Chunks carry the page, which retrieval and chat replies give as the source's url.
    const chunks = await t.context.db.query<{ url: string | null; title: string }>(
      'SELECT url, title FROM chunks WHERE source_id = $1',
      [decodeId('src', created.json().id, 'id')],
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.every((c) => c.url === 'https://help.example.com/warranty' && c.title === 'Warranty')).toBe(
      true,
    );

    const notHttp = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: { type: 'text', title: 'x', content: 'y', url: 'javascript:alert(1)' },
    });
    expect(notHttp.statusCode).toBe(400);
    expect(notHttp.json().error.param).toBe('url');
  });
});

describe('Q&A sources', () => {
  it('keeps each pair as one chunk tagged with its question', async () => {
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: {
        type: 'qa',
        pairs: [
          { question: 'Do you ship to Canada?', answer: 'Yes, in 5 to 7 business days.' },
          { question: 'Can I pay by invoice?', answer: 'Only on the Business plan.' },
        ],
      },
    });
    const done = await waitUntilDone(created.json().id);
    expect(done).toMatchObject({
      status: 'ready',
      title: '2 questions and answers',
      pages_processed: 2,
      chunks: 2,
    });
    const chunks = await chunkTexts(created.json().id);
    expect(chunks.map((c) => c.question).sort()).toEqual(['Can I pay by invoice?', 'Do you ship to Canada?']);
    expect(chunks.find((c) => c.question === 'Do you ship to Canada?')!.text).toContain(
      '5 to 7 business days',
    );
  });

  it('shows the chunks of a large text going in while it is processed', async () => {
    const sentences = Array.from(
      { length: 12_000 },
      (_, i) => `Policy clause ${i} covers case number ${i * 7}.`,
    );
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: { type: 'text', title: 'Large policy', content: sentences.join(' ') },
    });
    expect(created.statusCode, created.body.slice(0, 200)).toBe(202);
    const id = created.json().id as string;
    const seen: string[] = [];
    let source: { status: string; chunks: number; pages_discovered: number } = {
      status: 'queued',
      chunks: 0,
      pages_discovered: 0,
    };
    while (source.status !== 'ready' && source.status !== 'failed') {
      source = (await t.request({ url: `/v1/sources/${id}`, key: ws.liveKey })).json();
      if (source.status === 'processing') {
        seen.push(`${source.pages_discovered} ${source.chunks > 0 ? 'some' : 'none'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(source.status).toBe('ready');
    // Counted while it was still processing: the document, then chunks before the last of them.
    expect(seen).toContain('1 some');
    expect(source.chunks).toBeGreaterThan(200);
  });

  it('indexes a pair sent twice once, and names the other by its number', async () => {
    const pair = { question: 'Do you ship to Canada?', answer: 'Yes, in 5 to 7 business days.' };
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: { type: 'qa', pairs: [pair, pair] },
    });
    const id = created.json().id as string;
    expect(await waitUntilDone(id)).toMatchObject({ status: 'ready', chunks: 1 });
    const docs = (await t.request({ url: `/v1/sources/${id}/documents`, key: ws.liveKey })).json().data as {
      status: string;
      error: string | null;
    }[];
    expect(docs.map((doc) => doc.status).sort()).toEqual(['ready', 'skipped']);
    expect(docs.find((doc) => doc.status === 'skipped')!.error).toMatch(
      /^Same question and answer as pair [12]$/,
    );
  });
});

describe('file sources', () => {
  it('accepts a multipart upload and indexes it', async () => {
    const boundary = '----parleytest';
    const csv = 'product,price\nStarter,9 EUR\nBusiness,49 EUR\n';
    const payload =
      `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="prices.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n` +
      `--${boundary}--\r\n`;
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: payload,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(created.statusCode, created.body).toBe(202);
    expect(created.json()).toMatchObject({ type: 'file', title: 'prices.csv' });
    const done = await waitUntilDone(created.json().id);
    expect(done.status).toBe('ready');
    const text = (await chunkTexts(created.json().id)).map((c) => c.text).join('\n');
    expect(text).toContain('Business');
    expect(text).toContain('49 EUR');
  });

  it('names the citations of an upload after the title the team gave it', async () => {
    const boundary = '----parleytest2';
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body:
        `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nHotline notes\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\nThe salamander hotline number is 555-0199.\r\n--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(created.statusCode, created.body).toBe(202);
    expect((await waitUntilDone(created.json().id)).status).toBe('ready');
    const found = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/search`,
      key: ws.liveKey,
      body: { query: 'salamander hotline number' },
    });
    expect(found.json().data[0]).toMatchObject({ title: 'Hotline notes' });
  });

  it('reads back a file larger than one database read, whole, with characters cut across reads', async () => {
    const boundary = '----parleytest3';
    const head = 'Opening hours: the Lisbon office opens at eight.\n\n';
    // Spaces up to one byte before the first megabyte: the 3-byte characters straddle the cut.
    const padding = ' '.repeat(1024 * 1024 - 1 - Buffer.byteLength(head));
    const tail =
      '東京 branch: the Tokyo office closes at nine.\n\n' +
      ' '.repeat(300_000) +
      'Parking: free for visitors.\n';
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body:
        `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="offices.txt"\r\nContent-Type: text/plain\r\n\r\n${head}${padding}${tail}\r\n--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(created.statusCode, created.body).toBe(202);
    expect((await waitUntilDone(created.json().id)).status).toBe('ready');
    const search = async (query: string) =>
      (
        await t.request({
          method: 'POST',
          url: `/v1/chatbots/${botId}/search`,
          key: ws.liveKey,
          body: { query },
        })
      )
        .json()
        .data.map((result: { text: string }) => result.text)
        .join('\n');
    expect(await search('When does the Lisbon office open?')).toContain('opens at eight');
    expect(await search('When does the Tokyo office close?')).toContain('東京 branch');
    expect(await search('Is parking free?')).toContain('free for visitors');
  });

  it('reads a long run of spaces in a Markdown heading or an HTML <pre> in time', async () => {
    const spaces = ' '.repeat(300_000);
    const markdown = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: {
        type: 'text',
        title: 'Menu',
        content: `# Soup${spaces}of the day ##\n\nLentil soup with lemon.\n`,
      },
    });
    expect(markdown.statusCode, markdown.body).toBe(202);
    const boundary = '----parleytest4';
    const page = `<html><body><main><h1>Desserts</h1><pre>Chocolate cake${spaces}with cream</pre></main></body></html>`;
    const html = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body:
        `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="desserts.html"\r\nContent-Type: text/html\r\n\r\n${page}\r\n--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(html.statusCode, html.body).toBe(202);
    expect((await waitUntilDone(markdown.json().id)).status).toBe('ready');
    expect((await waitUntilDone(html.json().id)).status).toBe('ready');
    const texts = [...(await chunkTexts(markdown.json().id)), ...(await chunkTexts(html.json().id))];
    expect(texts.map((c) => c.heading).join('\n')).toContain('of the day');
    expect(texts.map((c) => c.text).join('\n')).toContain('Lentil soup');
    expect(texts.map((c) => c.text).join('\n')).toContain('with cream');
  });

  it('refuses a file type it cannot read, and a file over the size limit', async () => {
    const boundary = '----parleytest2';
    const upload = (name: string, type: string, body: string) =>
      t.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/sources`,
        key: ws.liveKey,
        body:
          `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n${body}\r\n--${boundary}--\r\n`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      });
    const image = await upload('logo.png', 'image/png', '\u0089PNG\r\n\u001a\nxxxx');
    expect(image.statusCode).toBe(202);
    const done = await waitUntilDone(image.json().id);
    expect(done.status).toBe('failed');
    const docs = (
      await t.request({ url: `/v1/sources/${image.json().id}/documents`, key: ws.liveKey })
    ).json();
    expect(docs.data[0].error).toMatch(/png|image|not supported|unsupported/i);
  });
});

describe('bad input', () => {
  it.each([
    [{ type: 'text', title: 'x' }, 'content'],
    [{ type: 'text', content: 'x' }, 'title'],
    [{ type: 'qa', pairs: [] }, 'pairs'],
    [{ type: 'qa', pairs: [{ question: 'q' }] }, 'pairs.0.answer'],
    [{ title: 'no type', content: 'x' }, 'type'],
    [{ type: 'url', url: 'ftp://example.com/' }, 'url'],
    [{ type: 'website', url: 'https://example.com', max_pages: 0 }, 'max_pages'],
    [{ type: 'website', url: 'https://example.com', depth: 2 }, 'depth'],
    [{ type: 'podcast', url: 'https://example.com' }, 'type'],
    [{ type: 'file' }, 'file'],
  ])('refuses %j and creates nothing', async (body, param) => {
    const own = await buildWorkspace(t.context);
    const bot = (
      await t.request({ method: 'POST', url: '/v1/chatbots', key: own.liveKey, body: { name: 'Empty' } })
    ).json();
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot.id}/sources`,
      key: own.liveKey,
      body,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', param });
    const list = (await t.request({ url: `/v1/chatbots/${bot.id}/sources`, key: own.liveKey })).json();
    expect(list.data).toEqual([]);
  });
});

describe('security', () => {
  it('keeps sources to their workspace and environment', async () => {
    const created = (
      await t.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/sources`,
        key: ws.liveKey,
        body: { type: 'text', title: 'T', content: 'Private text.' },
      })
    ).json();
    const other = await buildWorkspace(t.context);
    for (const key of [other.liveKey, ws.testKey]) {
      expect((await t.request({ url: `/v1/sources/${created.id}`, key })).statusCode).toBe(404);
      expect((await t.request({ url: `/v1/sources/${created.id}/documents`, key })).statusCode).toBe(404);
      expect((await t.request({ method: 'DELETE', url: `/v1/sources/${created.id}`, key })).statusCode).toBe(
        404,
      );
      expect(
        (await t.request({ method: 'POST', url: `/v1/sources/${created.id}/resync`, key })).statusCode,
      ).toBe(404);
      expect((await t.request({ url: `/v1/chatbots/${botId}/sources`, key })).statusCode).toBe(404);
    }
    await waitUntilDone(created.id);
    const deleted = await t.request({ method: 'DELETE', url: `/v1/sources/${created.id}`, key: ws.liveKey });
    expect(deleted.json()).toEqual({ id: created.id, deleted: true });
    expect(
      await t.context.db.query('SELECT id FROM chunks WHERE source_id = $1', [
        decodeId('src', created.id, 'id'),
      ]),
    ).toEqual([]);
  });
});

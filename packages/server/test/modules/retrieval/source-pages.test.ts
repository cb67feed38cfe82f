// The page a passage comes from, for citations ("page 3"): in search results, in a chat reply's
// sources_used, in the stored message's sources, and in the OpenAPI document; null for a
// document without pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvents } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { buildPdf, CUSTOMER_GUIDE_PAGES } from '../../helpers/pdf-file.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let botId: string;

const PAGES = CUSTOMER_GUIDE_PAGES;
const PDF = buildPdf(PAGES, 'Acme Customer Guide');

beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ws = await buildWorkspace(t.context);
  const bot = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Acme' },
  });
  botId = bot.json().id;

  const boundary = '----parleypages';
  const upload = await t.app.inject({
    method: 'POST',
    url: `/v1/chatbots/${botId}/sources`,
    headers: {
      authorization: `Bearer ${ws.liveKey}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    payload: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="guide.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      PDF,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  });
  expect(upload.statusCode, upload.body).toBe(202);
  const text = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/sources`,
    key: ws.liveKey,
    body: {
      type: 'text',
      title: 'Gift cards',
      content: 'Gift cards are valid for three years and can be spent on every product of the shop.',
    },
  });
  expect(text.statusCode, text.body).toBe(202);
  for (const id of [upload.json().id, text.json().id]) await waitReady(id);
});
afterAll(async () => {
  await t?.close();
});

async function waitReady(sourceId: string): Promise<void> {
  for (;;) {
    const source = (await t.request({ url: `/v1/sources/${sourceId}`, key: ws.liveKey })).json();
    if (source.status === 'ready') return;
    if (source.status === 'failed') throw new Error(`source failed: ${source.error}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The page (from 1) a passage starts on: the page holding its first words. */
function pageWhereStarts(passage: string): number {
  const start = flat(passage).slice(0, 60);
  const page = PAGES.findIndex((paragraphs) => flat(paragraphs.join(' ')).includes(start));
  expect(page, `no page starts with "${start}"`).toBeGreaterThanOrEqual(0);
  return page + 1;
}

async function search(query: string) {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/search`,
    key: ws.liveKey,
    body: { query },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data as { chunk_id: string; title: string; text: string; page: number | null }[];
}

describe('page numbers of passages', () => {
  it('shows the page a PDF passage starts on in search results, and null for a text source', async () => {
    const results = await search('What do I do when my parcel arrives damaged?');
    const fromPdf = results.filter((result) => result.title === 'Acme Customer Guide');
    expect(fromPdf.length).toBeGreaterThan(0);
    for (const result of fromPdf) expect(result.page).toBe(pageWhereStarts(result.text));
    expect(fromPdf[0]!.page).toBe(3);

    const gift = await search('How long are gift cards valid?');
    expect(gift[0]).toMatchObject({ title: 'Gift cards', page: null });
  });

  it('cites the page in a chat reply, in the stored message, and in the OpenAPI document', async () => {
    const question = 'What do I do when my parcel arrives damaged?';
    const results = await search(question);
    const pageOf = new Map(results.map((result) => [result.chunk_id, result.page]));
    const chat = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/chat`,
      key: ws.liveKey,
      body: { message: question },
    });
    expect(chat.statusCode, chat.body).toBe(200);
    const reply = chat.json();
    expect(reply.grounded).toBe(true);
    expect(reply.sources_used.length).toBeGreaterThan(0);
    for (const source of reply.sources_used) expect(source.page).toBe(pageOf.get(source.chunk_id));
    expect(reply.sources_used[0]).toMatchObject({ title: 'Acme Customer Guide', page: 3 });

    const messages = await t.request({
      url: `/v1/conversations/${reply.conversation_id}/messages`,
      key: ws.liveKey,
    });
    const stored = messages.json().data.find((message: { id: string }) => message.id === reply.message_id);
    expect(stored.sources_used).toEqual(reply.sources_used);

    // The widget's public chat shows it too.
    const site = 'http://localhost:3000';
    const patched = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${botId}`,
      key: ws.liveKey,
      body: { widget_settings: { allowed_origins: [site] } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const widget = await t.app.inject({
      method: 'POST',
      url: `/public/v1/chatbots/${botId}/chat`,
      headers: { origin: site, 'content-type': 'application/json' },
      payload: JSON.stringify({ message: question }),
    });
    expect(widget.statusCode, widget.body).toBe(200);
    const shown = parseEvents(widget.body).find((event) => event.event === 'sources')!.data;
    expect(shown.sources).toContainEqual(expect.objectContaining({ title: 'Acme Customer Guide', page: 3 }));

    const doc = (await t.request({ url: '/v1/openapi.json' })).json();
    const schemaOf = (path: string, method: string) =>
      doc.paths[path][method].responses['200'].content['application/json'].schema;
    expect(schemaOf('/v1/chatbots/{id}/search', 'post').properties.data.items.properties.page).toBeDefined();
    expect(
      schemaOf('/v1/chatbots/{id}/chat', 'post').properties.sources_used.items.properties.page,
    ).toBeDefined();
  });
});

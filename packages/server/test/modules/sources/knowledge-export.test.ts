// Reading knowledge back out: a source's content as it was given (text, Q&A pairs, the uploaded
// file byte for byte) and the chatbot's whole knowledge as NDJSON, never another tenant's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let botId: string;
const ids: Record<'text' | 'qa' | 'file', string> = { text: '', qa: '', file: '' };
const TEXT =
  '# Refunds\n\nWe refund any order within 30 days.\n\n## How to ask\n\nWrite to billing@example.com.';
const PAIRS = [
  { question: 'Do you ship to Canada?', answer: 'Yes, in 5 to 8 business days.' },
  { question: 'Can I pay by invoice?', answer: 'Only on the Business plan.' },
];
const CSV = 'product,price\nStarter,9 EUR\nBüsiness,49 EUR\n';

/** Waits until the source is ready (the ingestion job runs in the background). */
async function ready(id: string) {
  const until = Date.now() + 20_000;
  for (;;) {
    const status = (await t.request({ url: `/v1/sources/${id}`, key: ws.liveKey })).json().status;
    if (status === 'ready') return;
    if (status === 'failed' || Date.now() > until) throw new Error(`source ${id} is ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ws = await buildWorkspace(t.context);
  botId = (
    await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.liveKey, body: { name: 'Docs bot' } })
  ).json().id;
  const add = (body: unknown, headers?: Record<string, string>) =>
    t.request({ method: 'POST', url: `/v1/chatbots/${botId}/sources`, key: ws.liveKey, body, headers });
  ids.text = (await add({ type: 'text', title: 'Refund policy', content: TEXT })).json().id;
  ids.qa = (await add({ type: 'qa', title: 'FAQ', pairs: PAIRS })).json().id;
  const boundary = '----parleytest';
  const payload =
    `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="prices ü.csv"\r\nContent-Type: text/csv\r\n\r\n${CSV}\r\n` +
    `--${boundary}--\r\n`;
  ids.file = (await add(payload, { 'content-type': `multipart/form-data; boundary=${boundary}` })).json().id;
  for (const id of Object.values(ids)) await ready(id);
});
afterAll(async () => {
  await t.close();
});

describe('GET /v1/sources/{id}/content', () => {
  it('gives back a text source and a Q&A source as they were sent', async () => {
    const text = await t.request({ url: `/v1/sources/${ids.text}/content`, key: ws.liveKey });
    expect(text.statusCode).toBe(200);
    expect(text.json()).toEqual({ type: 'text', title: 'Refund policy', url: null, content: TEXT });
    const qa = await t.request({ url: `/v1/sources/${ids.qa}/content`, key: ws.liveKey });
    expect(qa.json()).toEqual({ type: 'qa', title: 'FAQ', pairs: PAIRS });
  });

  it('gives back the uploaded file byte for byte, with its type and name', async () => {
    const file = await t.request({ url: `/v1/sources/${ids.file}/content`, key: ws.liveKey });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toMatch(/^text\/csv/);
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename="prices _.csv"; filename*=UTF-8''prices%20%C3%BC.csv`,
    );
    expect(file.rawPayload.equals(Buffer.from(CSV, 'utf8'))).toBe(true);
  });

  it('is a 404 to another workspace and to the other environment', async () => {
    const other = await buildWorkspace(t.context);
    for (const key of [other.liveKey, ws.testKey]) {
      expect((await t.request({ url: `/v1/sources/${ids.text}/content`, key })).statusCode).toBe(404);
    }
  });
});

describe('GET /v1/chatbots/{id}/knowledge/export', () => {
  it('streams every document with the chunks the bot answers from', async () => {
    const response = await t.request({ url: `/v1/chatbots/${botId}/knowledge/export`, key: ws.liveKey });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    const lines = response.body
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    // A Q&A source has a document per pair.
    expect(lines).toHaveLength(1 + PAIRS.length + 1);
    const bySource = (id: string) => lines.filter((line) => line.source.id === id);
    const [text] = bySource(ids.text);
    expect(text.source).toEqual({ id: ids.text, type: 'text', title: 'Refund policy' });
    expect(text.document).toMatchObject({ source_id: ids.text, status: 'ready' });
    const said = text.chunks.map((chunk: { text: string }) => chunk.text).join('\n');
    expect(said).toContain('We refund any order within 30 days.');
    expect(said).toContain('Write to billing@example.com.');
    const questions = bySource(ids.qa).flatMap((line) =>
      line.chunks.map((chunk: { question: string }) => chunk.question),
    );
    expect(questions.sort()).toEqual(PAIRS.map((pair) => pair.question).sort());
    expect(JSON.stringify(bySource(ids.file))).toContain('49 EUR');
  });

  it('shows another workspace nothing of it', async () => {
    const other = await buildWorkspace(t.context);
    const response = await t.request({ url: `/v1/chatbots/${botId}/knowledge/export`, key: other.liveKey });
    expect(response.statusCode).toBe(404);
  });
});

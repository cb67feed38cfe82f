// Vector candidates: with an embedding model on the bot's integration and pgvector in the
// database, the question is embedded (live mode only) and the nearest chunks join the results.
// The fake provider embeds equal texts equally, so a question equal to a chunk's embedded text
// (its title, heading and text) is nearest to that chunk, and unrelated texts are far apart in
// 384 dimensions (the size of one of the partial HNSW indexes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { type FakeLlmServer, startFakeOpenAI } from '../../fakes/fake-providers.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let fake: FakeLlmServer;

beforeAll(async () => {
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true });
  ws = await buildWorkspace(t.context);
  fake = await startFakeOpenAI({ apiKey: 'sk-embed', dimension: 384 });
});
afterAll(async () => {
  await fake.close();
  await t.close();
});

async function botWithEmbeddings(key: string): Promise<string> {
  const bot = (
    await t.request({ method: 'POST', url: '/v1/chatbots', key, body: { name: 'Vectors' } })
  ).json();
  await addEmbeddingIntegration(bot.id, key);
  return bot.id;
}

async function addEmbeddingIntegration(botId: string, key: string): Promise<void> {
  const integration = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/integrations`,
    key,
    body: {
      provider: 'openai',
      model: 'gpt-test',
      embedding_model: 'embed-test',
      base_url: fake.baseUrl,
      api_key: 'sk-embed',
    },
  });
  expect(integration.statusCode, integration.body).toBe(201);
}

async function addText(botId: string, key: string, title: string, content: string): Promise<string> {
  const id = (
    await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key,
      body: { type: 'text', title, content },
    })
  ).json().id as string;
  await expect
    .poll(async () => (await t.request({ url: `/v1/sources/${id}`, key })).json().status, {
      timeout: 30_000,
      interval: 100,
    })
    .toBe('ready');
  return id;
}

/** The text the chunk was embedded from: what a question must equal to be nearest to it. */
async function embeddedTextOf(sourceId: string): Promise<string> {
  const [chunk] = await t.context.db.query<{ title: string; heading: string; text: string }>(
    'SELECT title, heading, text FROM chunks WHERE source_id = $1 ORDER BY position LIMIT 1',
    [decodeId('src', sourceId, 'id')],
  );
  return [chunk!.title, chunk!.heading, chunk!.text].filter(Boolean).join('\n');
}

const embeddingCalls = () => fake.requests.filter((request) => request.path.includes('embeddings')).length;

describe('vector candidates', () => {
  it('finds by embedding a chunk that full-text search cannot (only stop words), in live mode', async () => {
    const botId = await botWithEmbeddings(ws.liveKey);
    // Every word of this source is an English stop word: it has no lexeme to match.
    const sourceId = await addText(botId, ws.liveKey, 'It is', 'It is what it is.');
    await addText(botId, ws.liveKey, 'Shipping', 'We ship to 40 countries within 5 business days.');
    const query = await embeddedTextOf(sourceId);
    const before = embeddingCalls();
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/search`,
      key: ws.liveKey,
      body: { query },
    });
    expect(response.statusCode, response.body).toBe(200);
    const data = response.json().data;
    if (t.context.migrations.vector) {
      expect(embeddingCalls()).toBe(before + 1);
      expect(data[0]).toMatchObject({ source_id: sourceId, text: 'It is what it is.', score: 1 });
      // An unrelated chunk is far from the question and stays out.
      expect(data.some((result: { text: string }) => result.text.includes('40 countries'))).toBe(false);
    } else {
      // Without pgvector there are no vectors: the question is not embedded at all.
      expect(embeddingCalls()).toBe(before);
      expect(data).toEqual([]);
    }

    // Full-text search still answers alongside the vectors.
    const text = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/search`,
      key: ws.liveKey,
      body: { query: 'how many countries do you ship to' },
    });
    expect(text.json().data[0].text).toContain('40 countries');
  });

  it('keeps answering from full text when the embedding call fails', async () => {
    const botId = await botWithEmbeddings(ws.liveKey);
    await addText(botId, ws.liveKey, 'Gift cards', 'Gift cards never expire and can be used online.');
    fake.setBehavior({ type: 'error', status: 500 });
    try {
      const response = await t.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/search`,
        key: ws.liveKey,
        body: { query: 'do gift cards expire' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().data[0].text).toContain('never expire');
    } finally {
      fake.setBehavior(null);
    }
  });

  it('embeds the knowledge a bot had before its integration named an embedding model', async () => {
    const bot = (
      await t.request({
        method: 'POST',
        url: '/v1/chatbots',
        key: ws.liveKey,
        body: { name: 'Later vectors' },
      })
    ).json();
    const sourceId = await addText(bot.id, ws.liveKey, 'It was', 'It was what it was.');
    const stored = () =>
      t.context.db.query<{ model: string }>('SELECT model FROM chunk_embeddings WHERE chatbot_id = $1', [
        decodeId('bot', bot.id, 'id'),
      ]);
    if (t.context.migrations.vector) expect(await stored()).toEqual([]);
    await addEmbeddingIntegration(bot.id, ws.liveKey);
    // The knowledge is an hour old: younger chunks are left to the ingestion that embeds them.
    await t.context.db.query(
      `UPDATE chunks SET created_at = now() - interval '1 hour' WHERE chatbot_id = $1`,
      [decodeId('bot', bot.id, 'id')],
    );
    // What the scheduled job runs (it may also have run meanwhile: the end state is the same).
    await t.context.embeddingBackfill.run();
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot.id}/search`,
      key: ws.liveKey,
      body: { query: await embeddedTextOf(sourceId) },
    });
    if (t.context.migrations.vector) {
      expect(await stored()).toEqual([{ model: 'embed-test' }]);
      expect(response.json().data[0]).toMatchObject({ source_id: sourceId, text: 'It was what it was.' });
    } else {
      expect(response.json().data).toEqual([]);
    }
  });

  it('never embeds the question in test mode', async () => {
    const botId = await botWithEmbeddings(ws.testKey);
    await addText(botId, ws.testKey, 'Returns', 'Returns are accepted within 30 days.');
    const before = embeddingCalls();
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/search`,
      key: ws.testKey,
      body: { query: 'are returns accepted' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().data[0].text).toContain('30 days');
    expect(embeddingCalls()).toBe(before);
    // Nothing embeds test-mode knowledge here: no local model, and the integration's is paid.
    const status = await t.request({ url: `/v1/chatbots/${botId}/embeddings`, key: ws.testKey });
    expect(status.json()).toEqual({
      model: null,
      vector_search: t.context.migrations.vector,
      chunks: 1,
      embedded_chunks: 0,
    });
  });
});

// Chunk embeddings: made when the chatbot's integration names an embedding model and pgvector is
// there; skipped cleanly without pgvector, and never in test mode.
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
  fake = await startFakeOpenAI({ apiKey: 'sk-embed', dimension: 12 });
});
afterAll(async () => {
  await fake.close();
  await t.close();
});

async function botWithEmbeddings(key: string) {
  const bot = (
    await t.request({ method: 'POST', url: '/v1/chatbots', key, body: { name: 'Embedded' } })
  ).json();
  const integration = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${bot.id}/integrations`,
    key,
    body: {
      provider: 'openai',
      model: 'gpt-test',
      embedding_model: 'embed-test',
      base_url: fake.baseUrl,
      api_key: 'sk-embed',
    },
  });
  expect(integration.statusCode).toBe(201);
  return bot.id as string;
}

async function addText(botId: string, key: string, content: string) {
  const id = (
    await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key,
      body: { type: 'text', title: 'Shipping', content },
    })
  ).json().id as string;
  await expect
    .poll(async () => (await t.request({ url: `/v1/sources/${id}`, key })).json().status, {
      timeout: 20_000,
      interval: 100,
    })
    .toBe('ready');
  return id;
}

const embeddingCalls = () => fake.requests.filter((request) => request.path.includes('embeddings'));

describe('embeddings', () => {
  it('embeds every chunk where pgvector is available, and skips cleanly where it is not', async () => {
    const botId = await botWithEmbeddings(ws.liveKey);
    const before = embeddingCalls().length;
    const sourceId = await addText(
      botId,
      ws.liveKey,
      '# Shipping\n\nWe ship to 40 countries within 5 business days.',
    );
    const chunks = await t.context.db.query<{ id: string }>('SELECT id FROM chunks WHERE source_id = $1', [
      decodeId('src', sourceId, 'id'),
    ]);
    expect(chunks.length).toBeGreaterThan(0);
    if (t.context.migrations.vector) {
      const rows = await t.context.db.query<{ chunk_id: string; dimensions: number; model: string }>(
        'SELECT chunk_id, dimensions, model FROM chunk_embeddings WHERE chunk_id = ANY($1::uuid[])',
        [chunks.map((c) => c.id)],
      );
      expect(rows.map((r) => r.chunk_id).sort()).toEqual(chunks.map((c) => c.id).sort());
      expect(rows.every((r) => r.dimensions === 12 && r.model === 'embed-test')).toBe(true);
      const calls = embeddingCalls().slice(before);
      expect(calls).toHaveLength(1);
      expect(JSON.stringify(calls[0]!.body)).toContain('We ship to 40 countries');
    } else {
      expect(embeddingCalls().length).toBe(before);
    }
  });

  it('never calls the provider in test mode', async () => {
    const botId = await botWithEmbeddings(ws.testKey);
    const before = embeddingCalls().length;
    await addText(botId, ws.testKey, 'Test-mode text about returns.');
    expect(embeddingCalls().length).toBe(before);
  });

  it('keeps the chunks searchable by text when the embedding call fails, and says so', async () => {
    const botId = await botWithEmbeddings(ws.liveKey);
    fake.setBehavior({ type: 'error', status: 500 });
    try {
      const sourceId = await addText(botId, ws.liveKey, 'Gift cards never expire.');
      const docs = (await t.request({ url: `/v1/sources/${sourceId}/documents`, key: ws.liveKey })).json()
        .data;
      expect(docs[0].status).toBe('ready');
      expect(docs[0].chunks).toBeGreaterThan(0);
      if (t.context.migrations.vector) expect(docs[0].error).toMatch(/embeddings failed/);
      else expect(docs[0].error).toBeNull();
    } finally {
      fake.setBehavior(null);
    }
  });
});

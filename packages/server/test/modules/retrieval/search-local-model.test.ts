// Search by meaning with the operator's local embedding model (PARLEY_EMBEDDING_MODEL_DIR): no
// integration, no network, live and test mode alike. The model is written here: its made-up words
// "quexing" and "glimmer" mean what "zorblat" and "pod" mean, so a question in the first two finds
// a page in the other two, which no text search can. Knowledge that has no embedding from the
// model (added before it was configured, or embedded by another model) is embedded afterwards, by
// the scheduled job that runs the backfill called here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { writeStaticModel } from '../../helpers/static-model.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

const modelDir = mkdtempSync(path.join(tmpdir(), 'parley-local-model-'));
writeStaticModel(modelDir, {
  words: {
    zorblat: [1, 0, 0, 0],
    quexing: [0.95, 0.31, 0, 0],
    pod: [0, 1, 0, 0],
    glimmer: [0.31, 0.95, 0, 0],
    shipping: [0, 0, 1, 0],
    days: [0, 0, 0.6, 0.8],
  },
});

let t: TestApp;
let ws: TestWorkspace;
beforeAll(async () => {
  t = await startTestApp({ PARLEY_EMBEDDING_MODEL_DIR: modelDir });
  ws = await buildWorkspace(t.context);
});
afterAll(async () => {
  await t?.close();
  rmSync(modelDir, { recursive: true, force: true });
});

async function botWithKnowledge(key: string): Promise<string> {
  const bot = (
    await t.request({ method: 'POST', url: '/v1/chatbots', key, body: { name: 'Local vectors' } })
  ).json();
  for (const [title, content] of [
    ['Zorblat pods', 'Zorblat pods recharge overnight.'],
    ['Shipping', 'Shipping takes five days.'],
  ]) {
    const source = (
      await t.request({
        method: 'POST',
        url: `/v1/chatbots/${bot.id}/sources`,
        key,
        body: { type: 'text', title, content },
      })
    ).json();
    // Ingested here rather than by a worker: no scheduled job runs while the tests count.
    await t.context.ingest.run({ sourceId: decodeId('src', source.id, 'id') });
    expect((await t.request({ url: `/v1/sources/${source.id}`, key })).json().status).toBe('ready');
  }
  return bot.id;
}

async function search(botId: string, key: string, query: string): Promise<{ title: string }[]> {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/search`,
    key,
    body: { query },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data;
}

async function embeddedModels(botId: string): Promise<string[]> {
  if (!t.context.migrations.vector) return [];
  const rows = await t.context.db.query<{ model: string }>(
    'SELECT model FROM chunk_embeddings WHERE chatbot_id = $1 ORDER BY chunk_id',
    [decodeId('bot', botId, 'id')],
  );
  return rows.map((row) => row.model);
}

const MODEL = `local:${path.basename(modelDir)}`;

async function embeddingStatus(botId: string, key: string) {
  const response = await t.request({ url: `/v1/chatbots/${botId}/embeddings`, key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('the local embedding model', () => {
  it('finds a page that shares no word with the question, in live and test mode', async () => {
    for (const key of [ws.liveKey, ws.testKey]) {
      const botId = await botWithKnowledge(key);
      const found = await search(botId, key, 'quexing glimmer');
      if (t.context.migrations.vector) {
        expect(await embeddedModels(botId)).toEqual([MODEL, MODEL]);
        expect(found.map((result) => result.title)).toEqual(['Zorblat pods']);
      } else {
        // Without pgvector there is nothing to embed into: text search alone, which finds nothing.
        expect(found).toEqual([]);
      }
      // A question of no word the model knows has the zero vector: near nothing, never an error.
      expect(await search(botId, key, '😀😀😀')).toEqual([]);
      expect(await search(botId, key, 'xylophone quartet')).toEqual([]);
      // Text search still answers alongside the vectors.
      expect((await search(botId, key, 'how long does shipping take'))[0]?.title).toBe('Shipping');
    }
  });

  it('embeds knowledge that has no embedding from it, in bounded runs', async () => {
    const botId = await botWithKnowledge(ws.liveKey);
    if (!t.context.migrations.vector) {
      expect(await t.context.embeddingBackfill.run()).toBe(0);
      expect(await embeddingStatus(botId, ws.liveKey)).toEqual({
        model: MODEL,
        vector_search: false,
        chunks: 2,
        embedded_chunks: 0,
      });
      return;
    }
    expect(await embeddingStatus(botId, ws.liveKey)).toEqual({
      model: MODEL,
      vector_search: true,
      chunks: 2,
      embedded_chunks: 2,
    });
    const bot = decodeId('bot', botId, 'id');
    // As if the knowledge had no embedding from this model: none, or another model's.
    await t.context.db.query(
      'DELETE FROM chunk_embeddings WHERE chatbot_id = $1 AND chunk_id = (SELECT chunk_id FROM chunk_embeddings WHERE chatbot_id = $1 ORDER BY chunk_id LIMIT 1)',
      [bot],
    );
    await t.context.db.query(
      `UPDATE chunk_embeddings SET model = 'local:an-older-model' WHERE chatbot_id = $1`,
      [bot],
    );
    expect(await search(botId, ws.liveKey, 'quexing glimmer')).toEqual([]);
    // Chunks stored minutes ago are left to the ingestion that embeds them right after.
    expect(await t.context.embeddingBackfill.run()).toBe(0);

    expect(await embeddingStatus(botId, ws.liveKey)).toMatchObject({ chunks: 2, embedded_chunks: 0 });

    // Knowledge from an hour ago, before the model was configured. Other tests' bots are
    // complete: each run embeds what is missing, up to its budget.
    await t.context.db.query(
      `UPDATE chunks SET created_at = now() - interval '1 hour' WHERE chatbot_id = $1`,
      [bot],
    );
    expect(await t.context.embeddingBackfill.run(1)).toBe(1);
    expect(await embeddingStatus(botId, ws.liveKey)).toMatchObject({ chunks: 2, embedded_chunks: 1 });
    expect(await t.context.embeddingBackfill.run()).toBe(1);
    expect(await t.context.embeddingBackfill.run()).toBe(0);
    expect(await embeddedModels(botId)).toEqual([MODEL, MODEL]);
    expect((await search(botId, ws.liveKey, 'quexing glimmer')).map((result) => result.title)).toEqual([
      'Zorblat pods',
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeId } from '../../../src/lib/ids.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
beforeAll(async () => {
  t = await startTestApp();
  ws = await buildWorkspace(t.context);
});
afterAll(async () => {
  await t.close();
});

async function createBot(key: string, body: Record<string, unknown>) {
  const response = await t.request({ method: 'POST', url: '/v1/chatbots', key, body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

describe('POST /v1/chatbots', () => {
  it('creates a chatbot from a name alone, with sensible defaults', async () => {
    const { liveKey } = await buildWorkspace(t.context);
    const bot = await createBot(liveKey, { name: 'Support Bot' });
    expect(bot).toMatchObject({
      name: 'Support Bot',
      slug: 'support-bot',
      provider: 'extractive',
      is_active: true,
      model_settings: { temperature: 0.2, max_output_tokens: 800 },
      retrieval_settings: { top_k: 6, min_relevance: 0.1, language: 'english' },
      widget_settings: {
        allowed_origins: [],
        title: 'Support Bot',
        starter_questions: [],
        position: 'bottom-right',
        colors: { primary: '#4F46E5' },
      },
    });
    expect(bot.id).toMatch(/^bot_/);
    expect(bot.system_prompt).toContain('Support Bot');
    expect(bot.fallback_message.length).toBeGreaterThan(10);
    expect(bot.created_at).toBe(bot.updated_at);
    const fetched = await t.request({ url: `/v1/chatbots/${bot.id}`, key: liveKey });
    expect(fetched.json()).toEqual(bot);
  });

  it('keeps slugs unique per workspace and environment', async () => {
    const a = await buildWorkspace(t.context);
    const b = await buildWorkspace(t.context);
    expect((await createBot(a.liveKey, { name: 'Sales' })).slug).toBe('sales');
    expect((await createBot(a.liveKey, { name: 'Sales!' })).slug).toBe('sales-2');
    expect((await createBot(a.testKey, { name: 'Sales' })).slug).toBe('sales');
    expect((await createBot(b.liveKey, { name: 'Sales' })).slug).toBe('sales');
    const taken = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: a.liveKey,
      body: { name: 'X', slug: 'sales' },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({ type: 'conflict_error', code: 'slug_taken', param: 'slug' });
  });

  it('creates every one of many bots of one name created at once, each with its own slug', async () => {
    const c = await buildWorkspace(t.context);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.request({ method: 'POST', url: '/v1/chatbots', key: c.liveKey, body: { name: 'Race Bot' } }),
      ),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(Array(10).fill(201));
    const slugs = responses.map((response) => response.json().slug as string);
    expect(new Set(slugs).size).toBe(10);
    for (const slug of slugs) expect(slug).toMatch(/^race-bot(-[0-9a-z]+)?$/);
  });

  it('takes every setting on create', async () => {
    const bot = await createBot(ws.liveKey, {
      name: 'Custom',
      slug: 'custom-one',
      system_prompt: 'Be brief.',
      fallback_message: 'No idea, sorry.',
      is_active: false,
      model_settings: { temperature: 0.7 },
      retrieval_settings: { top_k: 3, language: 'french' },
      widget_settings: {
        allowed_origins: ['https://www.example.com', 'https://*.example.org', 'http://localhost:3000'],
        greeting: 'Bonjour !',
        starter_questions: ['What are your prices?'],
        colors: { primary: '#FF0000' },
        position: 'bottom-left',
      },
    });
    expect(bot).toMatchObject({
      slug: 'custom-one',
      system_prompt: 'Be brief.',
      fallback_message: 'No idea, sorry.',
      is_active: false,
      model_settings: { temperature: 0.7, max_output_tokens: 800 },
      retrieval_settings: { top_k: 3, min_relevance: 0.1, language: 'french' },
      widget_settings: {
        allowed_origins: ['https://www.example.com', 'https://*.example.org', 'http://localhost:3000'],
        greeting: 'Bonjour !',
        title: 'Custom',
        colors: { primary: '#FF0000', background: '#FFFFFF', text: '#111827' },
        position: 'bottom-left',
      },
    });
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{ name: 'ok', slug: 'Not A Slug' }, 'slug'],
    [{ name: 'ok', system_prompt: 'p'.repeat(10_001) }, 'system_prompt'],
    [{ name: 'ok', provider: 'openai' }, 'provider'],
    [{ name: 'ok', model_settings: { temperature: 3 } }, 'model_settings.temperature'],
    [{ name: 'ok', model_settings: { top_p: 1 } }, 'model_settings.top_p'],
    [{ name: 'ok', retrieval_settings: { language: 'klingon' } }, 'retrieval_settings.language'],
    [{ name: 'ok', retrieval_settings: { top_k: 0 } }, 'retrieval_settings.top_k'],
    [
      { name: 'ok', widget_settings: { allowed_origins: ['https://example.com/path'] } },
      'widget_settings.allowed_origins.0',
    ],
    [{ name: 'ok', widget_settings: { allowed_origins: ['*'] } }, 'widget_settings.allowed_origins.0'],
    [{ name: 'ok', widget_settings: { colors: { primary: 'red' } } }, 'widget_settings.colors.primary'],
    [
      { name: 'ok', widget_settings: { starter_questions: ['1', '2', '3', '4', '5', '6', '7'] } },
      'widget_settings.starter_questions',
    ],
  ])('rejects %j naming %s, and creates nothing', async (body, param) => {
    const { liveKey } = await buildWorkspace(t.context);
    const response = await t.request({ method: 'POST', url: '/v1/chatbots', key: liveKey, body });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', param });
    expect((await t.request({ url: '/v1/chatbots', key: liveKey })).json().data).toEqual([]);
  });
});

describe('GET /v1/chatbots', () => {
  it('lists newest first with pagination, per workspace and environment', async () => {
    const own = await buildWorkspace(t.context);
    for (const name of ['One', 'Two', 'Three']) await createBot(own.liveKey, { name });
    await createBot(own.testKey, { name: 'Test only' });
    const first = (await t.request({ url: '/v1/chatbots?page_size=2', key: own.liveKey })).json();
    expect(first.data.map((b: { name: string }) => b.name)).toEqual(['Three', 'Two']);
    const second = (
      await t.request({ url: `/v1/chatbots?page_size=2&cursor=${first.next_cursor}`, key: own.liveKey })
    ).json();
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
    expect(second.data.map((b: { name: string }) => b.name)).toEqual(['One']);
    const test = (await t.request({ url: '/v1/chatbots', key: own.testKey })).json();
    expect(test.data.map((b: { name: string }) => b.name)).toEqual(['Test only']);
  });
});

describe('PATCH /v1/chatbots/{id}', () => {
  it('changes only what is sent and merges settings', async () => {
    const bot = await createBot(ws.liveKey, { name: 'Patchable', widget_settings: { greeting: 'Hello' } });
    const response = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${bot.id}`,
      key: ws.liveKey,
      body: {
        is_active: false,
        model_settings: { max_output_tokens: 300 },
        widget_settings: { colors: { text: '#000000' } },
      },
    });
    expect(response.statusCode).toBe(200);
    const patched = response.json();
    expect(patched).toMatchObject({
      name: 'Patchable',
      is_active: false,
      model_settings: { temperature: 0.2, max_output_tokens: 300 },
      widget_settings: { greeting: 'Hello', colors: { primary: '#4F46E5', text: '#000000' } },
    });
    expect(Date.parse(patched.updated_at)).toBeGreaterThanOrEqual(Date.parse(bot.updated_at));
  });

  it('refuses an empty patch, a taken slug, bad values; changes nothing', async () => {
    const a = await createBot(ws.liveKey, { name: 'Slug A' });
    const b = await createBot(ws.liveKey, { name: 'Slug B' });
    const empty = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${a.id}`,
      key: ws.liveKey,
      body: {},
    });
    expect(empty.statusCode).toBe(400);
    const taken = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${a.id}`,
      key: ws.liveKey,
      body: { slug: b.slug },
    });
    expect(taken.statusCode).toBe(409);
    const bad = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${a.id}`,
      key: ws.liveKey,
      body: { name: 'Renamed', model_settings: { temperature: -1 } },
    });
    expect(bad.statusCode).toBe(400);
    expect((await t.request({ url: `/v1/chatbots/${a.id}`, key: ws.liveKey })).json()).toEqual(a);
  });
});

describe('DELETE /v1/chatbots/{id}', () => {
  it('hides the bot at once and purges it in the background', async () => {
    const bot = await createBot(ws.liveKey, { name: 'Doomed' });
    const deleted = await t.request({ method: 'DELETE', url: `/v1/chatbots/${bot.id}`, key: ws.liveKey });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toEqual({ id: bot.id, deleted: true });
    expect((await t.request({ url: `/v1/chatbots/${bot.id}`, key: ws.liveKey })).statusCode).toBe(404);
    const list = (await t.request({ url: '/v1/chatbots?page_size=100', key: ws.liveKey })).json();
    expect(list.data.map((b: { id: string }) => b.id)).not.toContain(bot.id);
    expect(
      (await t.request({ method: 'DELETE', url: `/v1/chatbots/${bot.id}`, key: ws.liveKey })).statusCode,
    ).toBe(404);
    // The slug is free again.
    expect((await createBot(ws.liveKey, { name: 'Doomed' })).slug).toBe('doomed');

    const uuid = (
      await t.context.db.query<{ id: string }>(
        "SELECT id FROM chatbots WHERE deleted_at IS NOT NULL AND name = 'Doomed'",
      )
    )[0]!.id;
    const jobs = await t.context.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${t.config.jobSchema}.job WHERE name = 'chatbots-purge'`,
    );
    expect(jobs[0]!.n).toBeGreaterThan(0);
    expect(await t.context.chatbots.purgeDeleted()).toBeGreaterThanOrEqual(1);
    expect(await t.context.db.query('SELECT id FROM chatbots WHERE id = $1', [uuid])).toEqual([]);
  });
});

describe('security', () => {
  it('answers 404 for another workspace or environment, 400 for a malformed id', async () => {
    const other = await buildWorkspace(t.context);
    const bot = await createBot(ws.liveKey, { name: 'Private' });
    for (const key of [other.liveKey, ws.testKey]) {
      expect((await t.request({ url: `/v1/chatbots/${bot.id}`, key })).statusCode).toBe(404);
      expect(
        (await t.request({ method: 'PATCH', url: `/v1/chatbots/${bot.id}`, key, body: { name: 'Hijacked' } }))
          .statusCode,
      ).toBe(404);
      expect((await t.request({ method: 'DELETE', url: `/v1/chatbots/${bot.id}`, key })).statusCode).toBe(
        404,
      );
    }
    expect((await t.request({ url: `/v1/chatbots/${bot.id}`, key: ws.liveKey })).json().name).toBe('Private');
    const malformed = await t.request({ url: `/v1/chatbots/${encodeId('ws', ws.id)}`, key: ws.liveKey });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.param).toBe('id');
    expect((await t.request({ url: `/v1/chatbots/${bot.id}` })).statusCode).toBe(401);
  });
});

// Chatbot-platform contract (seed 004): every resource the seed lists (bots, integrations,
// channels, conversations, agent loops) at its path, page/per_page pagination (default 20, max
// 100), 201 on create, 422 on validation, 401/404/429 as its table says, against a running server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { type CompatServer, startCompatServer } from './compat-helpers.ts';

const BASE = '/compat/chatbotplatform';

let server: CompatServer;
let ws: TestWorkspace;

beforeAll(async () => {
  server = await startCompatServer({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: false });
  ws = await buildWorkspace(server.t.context);
});
afterAll(async () => {
  await server?.close();
});

type Json = Record<string, unknown>;

async function createBot(name: string, key = ws.liveKey): Promise<Json> {
  const created = await server.call('POST', `${BASE}/bots`, { key, body: { name } });
  expect(created.status, created.text).toBe(201);
  return created.body as Json;
}

describe('bots', () => {
  it('creates (201), reads, updates, and deletes a bot', async () => {
    const bot = await createBot('Support Bot');
    expect(bot).toMatchObject({
      id: expect.stringMatching(/^bot_/),
      name: 'Support Bot',
      slug: 'support-bot',
    });
    const read = await server.call('GET', `${BASE}/bots/${bot.id}`, { key: ws.liveKey });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(bot);
    const updated = await server.call('PATCH', `${BASE}/bots/${bot.id}`, {
      key: ws.liveKey,
      body: { name: 'Help Desk', is_active: false },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: bot.id, name: 'Help Desk', is_active: false });
    const deleted = await server.call('DELETE', `${BASE}/bots/${bot.id}`, { key: ws.liveKey });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: bot.id, deleted: true });
    const gone = await server.call('GET', `${BASE}/bots/${bot.id}`, { key: ws.liveKey });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: { type: 'not_found_error', status: 404 } });
  });

  it('answers 422 for invalid values, 400 for an unreadable body and 404 for a path id that names nothing, changing nothing', async () => {
    const own = await buildWorkspace(server.t.context);
    const missing = await server.call('POST', `${BASE}/bots`, { key: own.liveKey, body: {} });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({
      error: { type: 'invalid_request_error', code: 'missing_required_field', param: 'name', status: 422 },
    });
    const blank = await server.call('POST', `${BASE}/bots`, { key: own.liveKey, body: { name: '   ' } });
    expect(blank.status).toBe(422);
    const badSlug = await server.call('POST', `${BASE}/bots`, {
      key: own.liveKey,
      body: { name: 'X', slug: 'Not A Slug' },
    });
    expect(badSlug.status).toBe(422);
    expect(badSlug.body).toMatchObject({ error: { param: 'slug' } });
    // A malformed id in a body is a value that fails validation, as the seed's 422 says.
    const badRef = await server.call('POST', `${BASE}/agent-loops`, {
      key: own.liveKey,
      body: {
        name: 'x',
        chatbot_id: 'bot_nonexistent',
        instructions: 'x',
        tools: ['finish'],
        trigger: { type: 'manual' },
      },
    });
    expect(badRef.status).toBe(422);
    expect(badRef.body).toMatchObject({ error: { code: 'invalid_id', param: 'chatbot_id', status: 422 } });
    // A filter the list does not have is refused, not ignored: the whole list is not what was asked.
    for (const url of [`${BASE}/bots?is_active=true`, `${BASE}/agent-loops?chatbot_id=x`]) {
      const unknown = await server.call('GET', url, { key: own.liveKey });
      expect(unknown.status, url).toBe(422);
      expect(unknown.body, url).toMatchObject({ error: { code: 'unknown_parameter' } });
    }
    const unreadable = await server.call('POST', `${BASE}/bots`, { key: own.liveKey, body: '{"name": ' });
    expect(unreadable.status).toBe(400);
    expect(unreadable.body).toMatchObject({ error: { code: 'invalid_json', status: 400 } });
    // An id in the path that cannot be one names nothing: 404, with the envelope's every field.
    const badId = await server.call('GET', `${BASE}/bots/not-an-id`, { key: own.liveKey });
    expect(badId.status).toBe(404);
    expect(badId.body).toEqual({
      error: {
        type: 'not_found_error',
        code: 'resource_not_found',
        message: "No bot found with id 'not-an-id'.",
        param: null,
        status: 404,
        request_id: expect.stringMatching(/^req_/),
      },
    });
    const badLoop = await server.call('POST', `${BASE}/agent-loops/nonexistent/run`, { key: own.liveKey });
    expect(badLoop.status).toBe(404);
    expect(badLoop.body).toMatchObject({ error: { message: "No agent loop found with id 'nonexistent'." } });
    const listed = await server.call('GET', `${BASE}/bots`, { key: own.liveKey });
    expect((listed.body as { data: unknown[] }).data).toEqual([]);
  });

  it('pages with page and per_page (default 20, max 100)', async () => {
    const own = await buildWorkspace(server.t.context);
    for (const name of ['A', 'B', 'C', 'D', 'E']) await createBot(name, own.liveKey);
    const names = async (query: string) => {
      const page = await server.call('GET', `${BASE}/bots${query}`, { key: own.liveKey });
      expect(page.status, page.text).toBe(200);
      const body = page.body as {
        data: { name: string }[];
        page: number;
        per_page: number;
        has_more: boolean;
      };
      return { ...body, data: body.data.map((bot) => bot.name) };
    };
    expect(await names('')).toEqual({
      data: ['E', 'D', 'C', 'B', 'A'],
      page: 1,
      per_page: 20,
      has_more: false,
    });
    expect(await names('?per_page=2')).toEqual({ data: ['E', 'D'], page: 1, per_page: 2, has_more: true });
    expect(await names('?per_page=2&page=2')).toEqual({
      data: ['C', 'B'],
      page: 2,
      per_page: 2,
      has_more: true,
    });
    expect(await names('?per_page=2&page=3')).toEqual({ data: ['A'], page: 3, per_page: 2, has_more: false });
    expect(await names('?per_page=2&page=9')).toEqual({ data: [], page: 9, per_page: 2, has_more: false });
    for (const query of ['?per_page=101', '?page=0', '?per_page=abc']) {
      const refused = await server.call('GET', `${BASE}/bots${query}`, { key: own.liveKey });
      expect(refused.status).toBe(422);
    }
    const tooDeep = await server.call('GET', `${BASE}/bots?per_page=100&page=101`, { key: own.liveKey });
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body).toMatchObject({ error: { code: 'page_too_deep', param: 'page' } });
  });
});

describe('integrations and channels', () => {
  it('creates (201), lists, reads, updates and deletes an integration', async () => {
    const bot = await createBot('With AI');
    const created = await server.call('POST', `${BASE}/bots/${bot.id}/integrations`, {
      key: ws.liveKey,
      body: { provider: 'openai', model: 'gpt-4o-mini', api_key: 'sk-test-5678' },
    });
    expect(created.status, created.text).toBe(201);
    const integration = created.body as Json;
    expect(integration).toMatchObject({ chatbot_id: bot.id, provider: 'openai', api_key_last_four: '5678' });
    expect(JSON.stringify(integration)).not.toContain('sk-test-5678');
    const listed = await server.call('GET', `${BASE}/bots/${bot.id}/integrations`, { key: ws.liveKey });
    expect(listed.body).toEqual({ data: [integration], page: 1, per_page: 20, has_more: false });
    expect(
      (await server.call('GET', `${BASE}/integrations/${integration.id}`, { key: ws.liveKey })).body,
    ).toEqual(integration);
    const patched = await server.call('PATCH', `${BASE}/integrations/${integration.id}`, {
      key: ws.liveKey,
      body: { model: 'gpt-4o' },
    });
    expect(patched.body).toMatchObject({ model: 'gpt-4o' });
    const badProvider = await server.call('POST', `${BASE}/bots/${bot.id}/integrations`, {
      key: ws.liveKey,
      body: { provider: 'nope', model: 'x' },
    });
    expect(badProvider.status).toBe(422);
    expect(
      (await server.call('DELETE', `${BASE}/integrations/${integration.id}`, { key: ws.liveKey })).status,
    ).toBe(200);
    expect(
      (await server.call('GET', `${BASE}/integrations/${integration.id}`, { key: ws.liveKey })).status,
    ).toBe(404);
  });

  it('creates (201), lists, reads, updates and deletes a channel', async () => {
    const bot = await createBot('On channels');
    const created = await server.call('POST', `${BASE}/bots/${bot.id}/channels`, {
      key: ws.liveKey,
      body: { type: 'custom', name: 'Our app', url: 'http://127.0.0.1:9/replies' },
    });
    expect(created.status, created.text).toBe(201);
    const channel = created.body as Json;
    expect(channel).toMatchObject({ id: expect.stringMatching(/^ch_/), chatbot_id: bot.id, type: 'custom' });
    const listed = await server.call('GET', `${BASE}/bots/${bot.id}/channels`, { key: ws.liveKey });
    expect((listed.body as { data: Json[] }).data.map((row) => row.id)).toEqual([channel.id]);
    const read = await server.call('GET', `${BASE}/channels/${channel.id}`, { key: ws.liveKey });
    expect(read.status).toBe(200);
    const patched = await server.call('PATCH', `${BASE}/channels/${channel.id}`, {
      key: ws.liveKey,
      body: { name: 'Our mobile app' },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Our mobile app' });
    const missing = await server.call('POST', `${BASE}/bots/${bot.id}/channels`, {
      key: ws.liveKey,
      body: { type: 'custom' },
    });
    expect(missing.status).toBe(422);
    expect((await server.call('DELETE', `${BASE}/channels/${channel.id}`, { key: ws.liveKey })).status).toBe(
      200,
    );
    expect((await server.call('GET', `${BASE}/channels/${channel.id}`, { key: ws.liveKey })).status).toBe(
      404,
    );
  });
});

describe('conversations', () => {
  it('lists a bot’s conversations with filters, reads one and its messages, and deletes it', async () => {
    const bot = await createBot('Chatty', ws.testKey);
    const conversationIds: string[] = [];
    for (const message of ['Hello', 'Hi there']) {
      const chat = await server.call('POST', `/v1/chatbots/${bot.id}/chat`, {
        key: ws.testKey,
        body: { message },
      });
      expect(chat.status, chat.text).toBe(200);
      conversationIds.push((chat.body as { conversation_id: string }).conversation_id);
    }
    await server.call('PATCH', `/v1/conversations/${conversationIds[0]}`, {
      key: ws.testKey,
      body: { status: 'closed' },
    });

    const all = await server.call('GET', `${BASE}/bots/${bot.id}/conversations`, { key: ws.testKey });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ page: 1, per_page: 20, has_more: false });
    expect((all.body as { data: Json[] }).data.map((row) => row.id)).toEqual([...conversationIds].reverse());
    const open = await server.call('GET', `${BASE}/bots/${bot.id}/conversations?status=open`, {
      key: ws.testKey,
    });
    expect((open.body as { data: Json[] }).data.map((row) => row.id)).toEqual([conversationIds[1]]);
    const badFilter = await server.call('GET', `${BASE}/bots/${bot.id}/conversations?status=maybe`, {
      key: ws.testKey,
    });
    expect(badFilter.status).toBe(422);

    const one = await server.call('GET', `${BASE}/conversations/${conversationIds[1]}`, { key: ws.testKey });
    expect(one.body).toMatchObject({ id: conversationIds[1], chatbot_id: bot.id, message_count: 2 });
    const messages = await server.call(
      'GET',
      `${BASE}/conversations/${conversationIds[1]}/messages?per_page=1`,
      {
        key: ws.testKey,
      },
    );
    expect(messages.body).toMatchObject({
      data: [{ role: 'user', content: 'Hi there' }],
      page: 1,
      per_page: 1,
      has_more: true,
    });
    const deleted = await server.call('DELETE', `${BASE}/conversations/${conversationIds[1]}`, {
      key: ws.testKey,
    });
    expect(deleted.body).toEqual({ id: conversationIds[1], deleted: true });
    expect(
      (await server.call('GET', `${BASE}/conversations/${conversationIds[1]}`, { key: ws.testKey })).status,
    ).toBe(404);
    const live = await server.call('GET', `${BASE}/conversations/${conversationIds[0]}`, { key: ws.liveKey });
    expect(live.status).toBe(404);
  });
});

describe('agent loops, auth, limits, document', () => {
  it("manages agent loops and runs one, in the platform's pages, with 201 on create and 422 for bad values", async () => {
    const bot = await createBot('Loop bot');
    const created = await server.call('POST', `${BASE}/agent-loops`, {
      key: ws.liveKey,
      body: {
        name: 'Nightly',
        chatbot_id: bot.id,
        instructions: 'Finish at once.',
        tools: ['finish'],
        trigger: { type: 'manual' },
      },
    });
    expect(created.status).toBe(201);
    const loop = created.body as { id: string; name: string; warnings: string[] };
    expect(loop).toMatchObject({ name: 'Nightly', chatbot_id: bot.id, enabled: true });
    expect(loop.id).toMatch(/^loop_/);
    // The bot answers offline: the loop is kept, and says its model cannot call tools.
    expect(loop.warnings).toEqual([expect.stringContaining('no enabled integration')]);

    const invalid = await server.call('POST', `${BASE}/agent-loops`, {
      key: ws.liveKey,
      body: {
        name: 'Bad',
        chatbot_id: bot.id,
        instructions: 'x',
        tools: ['delete_everything'],
        trigger: { type: 'manual' },
      },
    });
    expect(invalid.status).toBe(422);

    const list = await server.call('GET', `${BASE}/agent-loops?per_page=1`, { key: ws.liveKey });
    expect(list.body).toMatchObject({ data: [{ id: loop.id }], page: 1, per_page: 1 });
    const renamed = await server.call('PATCH', `${BASE}/agent-loops/${loop.id}`, {
      key: ws.liveKey,
      body: { name: 'Nightly summary' },
    });
    expect(renamed.body).toMatchObject({ id: loop.id, name: 'Nightly summary' });

    const run = await server.call('POST', `${BASE}/agent-loops/${loop.id}/run`, {
      key: ws.liveKey,
      body: { input: { day: 'yesterday' } },
    });
    // An execution is created: 201, as the seed's table has no 202.
    expect(run.status).toBe(201);
    const execution = run.body as { id: string; loop_id: string; status: string };
    expect(execution.id).toMatch(/^exec_/);
    expect(execution.loop_id).toBe(loop.id);
    // Queued for a worker, which may already have taken it.
    expect(['queued', 'running', 'failed']).toContain(execution.status);
    const executions = await server.call('GET', `${BASE}/agent-loops/${loop.id}/executions`, {
      key: ws.liveKey,
    });
    expect(executions.body).toMatchObject({
      data: [{ id: execution.id, loop_id: loop.id }],
      page: 1,
      has_more: false,
    });

    const foreign = await server.call('GET', `${BASE}/agent-loops/${loop.id}`, { key: ws.testKey });
    expect(foreign.status).toBe(404);
    const deleted = await server.call('DELETE', `${BASE}/agent-loops/${loop.id}`, { key: ws.liveKey });
    expect(deleted.body).toEqual({ id: loop.id, deleted: true });
    expect((await server.call('GET', `${BASE}/agent-loops/${loop.id}`, { key: ws.liveKey })).status).toBe(
      404,
    );
  });

  it('answers 401 without a key, 404 for another workspace’s bot, and sends X-RateLimit-*', async () => {
    const missing = await server.call('GET', `${BASE}/bots`);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: { type: 'authentication_error', status: 401 } });
    const bot = await createBot('Private');
    const other = await buildWorkspace(server.t.context);
    for (const path of [`/bots/${bot.id}`, `/bots/${bot.id}/conversations`, `/bots/${bot.id}/integrations`]) {
      const foreign = await server.call('GET', `${BASE}${path}`, { key: other.liveKey });
      expect(foreign.status, path).toBe(404);
    }
    const patch = await server.call('PATCH', `${BASE}/bots/${bot.id}`, {
      key: other.liveKey,
      body: { name: 'Mine' },
    });
    expect(patch.status).toBe(404);
    const ok = await server.call('GET', `${BASE}/bots`, { key: ws.liveKey });
    expect(ok.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(ok.headers.get('retry-after')).toBeNull();
  });

  it('serves its OpenAPI document with every listed resource', async () => {
    const doc = await server.call('GET', '/compat/chatbotplatform/openapi.json');
    expect(doc.status).toBe(200);
    const paths = doc.body as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(paths.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.slice(BASE.length)}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /bots',
        'POST /bots',
        'GET /bots/{id}',
        'PATCH /bots/{id}',
        'DELETE /bots/{id}',
        'GET /bots/{bot_id}/integrations',
        'POST /bots/{bot_id}/integrations',
        'GET /integrations/{id}',
        'PATCH /integrations/{id}',
        'DELETE /integrations/{id}',
        'GET /bots/{bot_id}/channels',
        'POST /bots/{bot_id}/channels',
        'GET /channels/{id}',
        'PATCH /channels/{id}',
        'DELETE /channels/{id}',
        'GET /bots/{bot_id}/conversations',
        'GET /conversations/{id}',
        'GET /conversations/{id}/messages',
        'DELETE /conversations/{id}',
        'GET /agent-loops',
        'POST /agent-loops',
        'GET /agent-loops/{id}',
        'POST /agent-loops/{id}/run',
        'GET /agent-loops/{id}/executions',
        'PATCH /agent-loops/{id}',
        'DELETE /agent-loops/{id}',
      ].sort(),
    );
  });
});

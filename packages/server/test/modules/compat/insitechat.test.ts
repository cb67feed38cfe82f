// InsiteChat contract (seeds 000, 001): every example of the seed, field for field, against a
// running server: bare arrays and objects, bare UUIDs, {"detail": …} errors, 60 requests a
// minute with no Retry-After, and the quota's own 429 text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { type CompatServer, shapeOf, startCompatServer, trainedBot, UUID, uuidOf } from './compat-helpers.ts';

const BASE = '/compat/insitechat/api/v1';
const PY_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;

let server: CompatServer;
let ws: TestWorkspace;
let icKey: string;
let bot: { id: string; uuid: string; sourceIds: string[] };

beforeAll(async () => {
  // "tiny": one message a month, to reach the quota; the default plans stay as they are.
  server = await startCompatServer({
    PARLEY_PLANS: JSON.stringify({ tiny: { requests_per_minute: 1000, messages_per_month: 1 } }),
  });
  ws = await buildWorkspace(server.t.context);
  icKey = await server.seedKey(ws.liveKey, 'insitechat');
  bot = await trainedBot(server, ws.liveKey, 'Support Bot');
});
afterAll(async () => {
  await server?.close();
});

describe('keys', () => {
  it('creates ic_ keys that work here, and Parley keys work too', async () => {
    expect(icKey).toMatch(/^ic_[0-9A-Za-z]{40}$/);
    for (const key of [icKey, ws.liveKey]) {
      const listed = await server.call('GET', `${BASE}/chatbots`, { key });
      expect(listed.status).toBe(200);
    }
  });

  it('answers 401 with {"detail"} for a missing, unknown or revoked key', async () => {
    const missing = await server.call('GET', `${BASE}/chatbots`);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ detail: "No API key provided. Send 'Authorization: Bearer ic_…'." });

    const unknown = await server.call('GET', `${BASE}/chatbots`, { key: `ic_${'x'.repeat(40)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ detail: 'The API key is not valid.' });

    const spare = await server.seedKey(ws.liveKey, 'insitechat');
    const keys = (await server.call('GET', '/v1/api-keys?page_size=100', { key: ws.liveKey })).body as {
      data: { id: string; prefix: string }[];
    };
    const spareId = keys.data.find((row) => spare.startsWith(row.prefix))!.id;
    expect((await server.call('DELETE', `/v1/api-keys/${spareId}`, { key: ws.liveKey })).status).toBe(200);
    const revoked = await server.call('GET', `${BASE}/chatbots`, { key: spare });
    expect(revoked.status).toBe(401);
    expect(revoked.body).toEqual({ detail: 'The API key has been revoked. Create a new one.' });
  });
});

describe('GET /v1/chatbots', () => {
  it('is a bare array of the seed example’s fields, ids bare UUIDs of the Parley ids', async () => {
    await server.call('POST', '/v1/chatbots', { key: ws.liveKey, body: { name: 'Sales Assistant' } });
    const listed = await server.call('GET', `${BASE}/chatbots`, { key: icKey });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('content-type')).toMatch(/^application\/json/);
    const rows = listed.body as Record<string, unknown>[];
    expect(Array.isArray(rows)).toBe(true);
    expect(rows.map((row) => row.name)).toEqual(['Sales Assistant', 'Support Bot']);
    for (const row of rows) {
      expect(shapeOf(row)).toEqual({
        id: 'string',
        name: 'string',
        slug: 'string',
        provider: 'string',
        is_active: 'boolean',
        created_at: 'string',
      });
      expect(row.id).toMatch(UUID);
      expect(row.created_at).toMatch(PY_TIMESTAMP);
    }
    const support = rows.find((row) => row.name === 'Support Bot')!;
    expect(support).toMatchObject({ id: bot.uuid, slug: 'support-bot', is_active: true });
  });

  it('names an OpenAI bot’s provider chatgpt, and hides other workspaces’ and test bots', async () => {
    const other = await buildWorkspace(server.t.context);
    const openai = await server.call('POST', '/v1/chatbots', {
      key: other.liveKey,
      body: { name: 'GPT bot' },
    });
    const botId = (openai.body as { id: string }).id;
    const integration = await server.call('POST', `/v1/chatbots/${botId}/integrations`, {
      key: other.liveKey,
      body: { provider: 'openai', model: 'gpt-4o-mini', api_key: 'sk-test-1234' },
    });
    expect(integration.status, integration.text).toBe(201);
    await server.call('POST', '/v1/chatbots', { key: other.testKey, body: { name: 'Test-mode bot' } });

    const listed = (await server.call('GET', `${BASE}/chatbots`, { key: other.liveKey })).body;
    expect(listed).toEqual([
      expect.objectContaining({ id: uuidOf(botId), name: 'GPT bot', provider: 'chatgpt' }),
    ]);
    const test = (await server.call('GET', `${BASE}/chatbots`, { key: other.testKey })).body;
    expect((test as { name: string }[]).map((row) => row.name)).toEqual(['Test-mode bot']);
  });
});

describe('GET /v1/chatbots/{chatbot_id}', () => {
  it('is the bare object of the seed example', async () => {
    const detail = await server.call('GET', `${BASE}/chatbots/${bot.uuid}`, { key: icKey });
    expect(detail.status).toBe(200);
    expect(shapeOf(detail.body)).toEqual({
      id: 'string',
      name: 'string',
      slug: 'string',
      provider: 'string',
      system_prompt: 'string',
      fallback_message: 'string',
      is_active: 'boolean',
      created_at: 'string',
    });
    expect(detail.body).toMatchObject({ id: bot.uuid, name: 'Support Bot', provider: 'extractive' });
  });

  it('answers 404 {"detail"} for an unknown UUID, another user’s chatbot and a non-UUID', async () => {
    const unknown = await server.call('GET', `${BASE}/chatbots/0a1b2c3d-4e5f-6789-abcd-ef0123456789`, {
      key: icKey,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Chatbot not found.' });

    const other = await buildWorkspace(server.t.context);
    const foreign = await server.call('GET', `${BASE}/chatbots/${bot.uuid}`, { key: other.liveKey });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ detail: 'Chatbot not found.' });
    const testEnv = await server.call('GET', `${BASE}/chatbots/${bot.uuid}`, { key: ws.testKey });
    expect(testEnv.status).toBe(404);

    // "there is no bot_ prefix": an id that is no UUID names no chatbot.
    const parleyId = await server.call('GET', `${BASE}/chatbots/${bot.id}`, { key: icKey });
    expect(parleyId.status).toBe(404);
    expect(parleyId.body).toEqual({ detail: 'Chatbot not found.' });
  });
});

describe('POST /v1/chatbots/{chatbot_id}/chat and sources', () => {
  it('answers from the knowledge and continues a conversation by its UUID', async () => {
    const first = await server.call('POST', `${BASE}/chatbots/${bot.uuid}/chat`, {
      key: icKey,
      body: { message: 'How long do I have to ask for a refund?' },
    });
    expect(first.status, first.text).toBe(200);
    const reply = first.body as {
      reply: string;
      conversation_id: string;
      message_id: string;
      sources: { id: string; title: string }[];
      created_at: string;
    };
    expect(shapeOf(reply)).toEqual({
      reply: 'string',
      conversation_id: 'string',
      message_id: 'string',
      sources: 'array',
      created_at: 'string',
    });
    expect(reply.reply).toMatch(/30 days/);
    expect(reply.conversation_id).toMatch(UUID);
    expect(reply.sources[0]).toMatchObject({ id: expect.stringMatching(UUID), title: 'Refund policy' });

    const second = await server.call('POST', `${BASE}/chatbots/${bot.uuid}/chat`, {
      key: icKey,
      body: { message: 'And how do I reset my password?', conversation_id: reply.conversation_id },
    });
    expect(second.status, second.text).toBe(200);
    expect((second.body as { conversation_id: string }).conversation_id).toBe(reply.conversation_id);
    const native = await server.call('GET', `/v1/conversations/conv_${bot.id.slice(4)}`, { key: ws.liveKey });
    expect(native.status).toBe(404); // a bot id is not a conversation: ids keep their types
    const conversations = (await server.call('GET', '/v1/conversations', { key: ws.liveKey })).body as {
      data: { id: string; message_count: number }[];
    };
    const stored = conversations.data.find((row) => uuidOf(row.id) === reply.conversation_id)!;
    expect(stored.message_count).toBe(4);
  });

  it('answers 400 {"detail"} for a missing message, and 404 for an unknown conversation', async () => {
    const missing = await server.call('POST', `${BASE}/chatbots/${bot.uuid}/chat`, { key: icKey, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ detail: "The field 'message' is required." });
    const unknown = await server.call('POST', `${BASE}/chatbots/${bot.uuid}/chat`, {
      key: icKey,
      body: { message: 'hello', conversation_id: '0a1b2c3d-4e5f-6789-abcd-ef0123456789' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Conversation not found.' });
    const empty = await server.call('POST', `${BASE}/chatbots/${bot.uuid}/chat`, {
      key: icKey,
      body: { message: 'hello', conversation_id: '' },
    });
    expect(empty.status).toBe(400);
  });

  it('answers only with the statuses of the seed’s table: a paused chatbot’s chat is a 400', async () => {
    const paused = await trainedBot(server, ws.liveKey, 'Paused Bot');
    const patched = await server.call('PATCH', `/v1/chatbots/${paused.id}`, {
      key: ws.liveKey,
      body: { is_active: false },
    });
    expect(patched.status).toBe(200);
    const refused = await server.call('POST', `${BASE}/chatbots/${paused.uuid}/chat`, {
      key: icKey,
      body: { message: 'hello' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ detail: `The chatbot '${paused.uuid}' is paused.` });
  });

  it('lists the training sources as a bare array', async () => {
    const listed = await server.call('GET', `${BASE}/chatbots/${bot.uuid}/sources`, { key: icKey });
    expect(listed.status).toBe(200);
    const rows = listed.body as Record<string, unknown>[];
    expect(rows).toHaveLength(bot.sourceIds.length);
    expect(rows.map((row) => row.id).sort()).toEqual(bot.sourceIds.map(uuidOf).sort());
    expect(shapeOf(rows.find((row) => row.title === 'Refund policy'))).toEqual({
      id: 'string',
      chatbot_id: 'string',
      type: 'string',
      title: 'string',
      url: 'null',
      status: 'string',
      created_at: 'string',
    });
    expect(rows.every((row) => row.status === 'ready' && row.chatbot_id === bot.uuid)).toBe(true);
  });

  it('calls a web page or a sitemap source a website, as InsiteChat has no other kinds', async () => {
    const web = await server.call('POST', '/v1/chatbots', { key: ws.liveKey, body: { name: 'Web' } });
    const webId = (web.body as { id: string }).id;
    for (const body of [
      { type: 'url', url: 'https://example.com/pricing' },
      { type: 'sitemap', url: 'https://example.com/sitemap.xml' },
    ]) {
      const created = await server.call('POST', `/v1/chatbots/${webId}/sources`, { key: ws.liveKey, body });
      expect(created.status, created.text).toBe(202);
    }
    const listed = await server.call('GET', `${BASE}/chatbots/${uuidOf(webId)}/sources`, { key: icKey });
    expect((listed.body as { type: string }[]).map((row) => row.type)).toEqual(['website', 'website']);
  });

  it('answers 429 "Monthly message limit reached." when the plan’s messages are used up', async () => {
    const tiny = await buildWorkspace(server.t.context, { plan: 'tiny' });
    const small = await trainedBot(server, tiny.liveKey, 'Tiny');
    const ok = await server.call('POST', `${BASE}/chatbots/${small.uuid}/chat`, {
      key: tiny.liveKey,
      body: { message: 'Refund?' },
    });
    expect(ok.status).toBe(200);
    const over = await server.call('POST', `${BASE}/chatbots/${small.uuid}/chat`, {
      key: tiny.liveKey,
      body: { message: 'Refund?' },
    });
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ detail: 'Monthly message limit reached.' });
    expect(over.headers.get('retry-after')).toBeNull();
  });
});

describe('webhooks', () => {
  it('creates, lists and deletes an endpoint for the seed’s events', async () => {
    const created = await server.call('POST', `${BASE}/webhooks`, {
      key: icKey,
      body: { url: 'https://example.com/hooks', events: ['lead.captured', 'conversation.escalated'] },
    });
    expect(created.status, created.text).toBe(200);
    const hook = created.body as { id: string; secret: string };
    expect(hook.id).toMatch(UUID);
    expect(hook.secret).toMatch(/^whsec_/);
    // Its payloads carry ids as InsiteChat shows them, bare UUIDs (the /v1 endpoint says so).
    const onV1 = await server.call('GET', '/v1/webhooks', { key: ws.liveKey });
    expect((onV1.body as { data: { id_format: string }[] }).data).toMatchObject([{ id_format: 'uuid' }]);
    const listed = await server.call('GET', `${BASE}/webhooks`, { key: icKey });
    expect(listed.body).toEqual([
      {
        id: hook.id,
        url: 'https://example.com/hooks',
        events: ['lead.captured', 'conversation.escalated'],
        is_active: true,
        created_at: expect.stringMatching(PY_TIMESTAMP),
      },
    ]);
    const refused = await server.call('POST', `${BASE}/webhooks`, {
      key: icKey,
      body: { url: 'https://example.com/hooks', events: ['source.trained'] },
    });
    expect(refused.status).toBe(400);
    expect(shapeOf(refused.body)).toEqual({ detail: 'string' });
    expect((await server.call('DELETE', `${BASE}/webhooks/${hook.id}`, { key: icKey })).status).toBe(200);
    expect((await server.call('GET', `${BASE}/webhooks`, { key: icKey })).body).toEqual([]);
    const again = await server.call('DELETE', `${BASE}/webhooks/${hook.id}`, { key: icKey });
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: 'Webhook not found.' });
  });
});

describe('rate limit and documents', () => {
  it('allows 60 requests a minute per key, then 429 with the seed’s text and no Retry-After', async () => {
    const own = await buildWorkspace(server.t.context);
    const key = await server.seedKey(own.liveKey, 'insitechat');
    for (let i = 0; i < 60; i++) {
      const ok = await server.call('GET', `${BASE}/chatbots`, { key });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit')).toBeNull();
    }
    const limited = await server.call('GET', `${BASE}/chatbots`, { key });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/json/);
    expect(limited.text).toBe('{"detail":"API rate limit exceeded. Max 60 requests per minute."}');
    expect(limited.headers.get('retry-after')).toBeNull();
    // Its own counter: the same key still reaches /v1.
    expect((await server.call('GET', '/v1/chatbots', { key })).status).toBe(200);
  });

  it('serves its own OpenAPI document, and /v1’s leaves the compat paths out', async () => {
    const doc = await server.call('GET', '/compat/insitechat/openapi.json');
    expect(doc.status).toBe(200);
    const paths = Object.keys((doc.body as { paths: object }).paths);
    expect(paths.sort()).toEqual(
      [
        `${BASE}/chatbots`,
        `${BASE}/chatbots/{chatbot_id}`,
        `${BASE}/chatbots/{chatbot_id}/chat`,
        `${BASE}/chatbots/{chatbot_id}/sources`,
        `${BASE}/webhooks`,
        `${BASE}/webhooks/{webhook_id}`,
      ].sort(),
    );
    // Every operation documents its errors in the seed's body, {"detail"}.
    const operations = Object.values(
      (doc.body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }).paths,
    ).flatMap((item) => Object.values(item));
    for (const operation of operations) {
      expect(operation.responses['4XX']).toMatchObject({
        content: { 'application/json': { schema: { properties: { detail: { type: 'string' } } } } },
      });
    }
    const native = (await server.call('GET', '/v1/openapi.json')).body as { paths: object };
    expect(Object.keys(native.paths).some((path) => path.startsWith('/compat/'))).toBe(false);
  });

  it('answers unknown routes under the prefix with {"detail"}', async () => {
    const missing = await server.call('GET', `${BASE}/nothing-here`, { key: icKey });
    expect(missing.status).toBe(404);
    expect(shapeOf(missing.body)).toEqual({ detail: 'string' });
  });
});

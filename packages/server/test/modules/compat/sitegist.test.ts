// SiteGist contract (seed 002): every example of the seed, field for field, against a running
// server: POST /chat {chatbotId, message, sessionId} → {sessionId, answer}, {data: […]} lists,
// {"error": "…"} errors, 120 requests a minute with Retry-After, 502 when the answer fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlmServer, startFakeOpenAI } from '../../fakes/fake-providers.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { type CompatServer, shapeOf, startCompatServer, trainedBot, uuidOf } from './compat-helpers.ts';

const BASE = '/compat/sitegist/api/v1';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PROJ = /^proj_[0-9a-z]{26}$/;
const SESS = /^sess_[0-9a-z]{26}$/;

let server: CompatServer;
let fake: FakeLlmServer;
let ws: TestWorkspace;
let skKey: string;
let bot: { id: string; uuid: string };
let projId: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-provider' });
  server = await startCompatServer({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' });
  ws = await buildWorkspace(server.t.context);
  skKey = await server.seedKey(ws.liveKey, 'sitegist');
  bot = await trainedBot(server, ws.liveKey, 'Support Bot');
  const listed = (await server.call('GET', `${BASE}/chatbots`, { key: skKey })).body as {
    data: { id: string }[];
  };
  projId = listed.data[0]!.id;
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

describe('keys', () => {
  it('creates sk_live_ keys (sk_test_ from a test key); Parley keys work too', async () => {
    expect(skKey).toMatch(/^sk_live_[0-9A-Za-z]{40}$/);
    expect(await server.seedKey(ws.testKey, 'sitegist')).toMatch(/^sk_test_[0-9A-Za-z]{40}$/);
    expect((await server.call('GET', `${BASE}/chatbots`, { key: ws.liveKey })).status).toBe(200);
  });

  it('answers 401 {"error"} for a missing or unknown key', async () => {
    const missing = await server.call('GET', `${BASE}/chatbots`);
    expect(missing.status).toBe(401);
    expect(shapeOf(missing.body)).toEqual({ error: 'string' });
    const unknown = await server.call('GET', `${BASE}/chatbots`, { key: `sk_live_${'Y'.repeat(40)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ error: 'The API key is not valid.' });
  });
});

describe('request bodies', () => {
  it('reads a body as JSON whatever its Content-Type says, or with none', async () => {
    const body = JSON.stringify({ chatbotId: projId, message: 'How long do I have to ask for a refund?' });
    // fetch sends a string as text/plain, and bytes with no Content-Type at all.
    for (const payload of [body, new TextEncoder().encode(body)]) {
      const response = await fetch(`${server.base}${BASE}/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${skKey}` },
        body: payload,
      });
      expect(response.status, await response.clone().text()).toBe(200);
      expect(await response.json()).toMatchObject({ sessionId: expect.stringMatching(SESS) });
    }
    const broken = await fetch(`${server.base}${BASE}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${skKey}`, 'content-type': 'text/plain' },
      body: '{"chatbotId": ',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: 'The request body is not valid JSON.' });
  });
});

describe('GET /chatbots', () => {
  it('is {data: [{id, name, status, createdAt}]} with proj_ ids of the Parley ids', async () => {
    const paused = await server.call('POST', '/v1/chatbots', {
      key: ws.liveKey,
      body: { name: 'Paused Bot', is_active: false },
    });
    const listed = await server.call('GET', `${BASE}/chatbots`, { key: skKey });
    expect(listed.status).toBe(200);
    const body = listed.body as { data: Record<string, unknown>[] };
    expect(Object.keys(body)).toEqual(['data']);
    for (const item of body.data) {
      expect(shapeOf(item)).toEqual({ id: 'string', name: 'string', status: 'string', createdAt: 'string' });
      expect(item.id).toMatch(PROJ);
      expect(item.createdAt).toMatch(ISO);
    }
    expect(body.data.map((item) => [item.name, item.status])).toEqual([
      ['Paused Bot', 'INACTIVE'],
      ['Support Bot', 'ACTIVE'],
    ]);
    expect(body.data[1]!.id).toBe(`proj_${bot.id.slice('bot_'.length)}`);
    expect(uuidOf(body.data[0]!.id as string)).toBe(uuidOf((paused.body as { id: string }).id));
  });
});

describe('POST /chat', () => {
  it('answers {sessionId, answer} and continues the session', async () => {
    const first = await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: projId, message: 'What is your refund policy?' },
    });
    expect(first.status, first.text).toBe(200);
    expect(shapeOf(first.body)).toEqual({ sessionId: 'string', answer: 'string' });
    const { sessionId, answer } = first.body as { sessionId: string; answer: string };
    expect(sessionId).toMatch(SESS);
    expect(answer).toMatch(/30 days/);

    const second = await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: projId, message: 'How much is express shipping?', sessionId },
    });
    expect(second.status, second.text).toBe(200);
    expect((second.body as { sessionId: string }).sessionId).toBe(sessionId);
    expect((second.body as { answer: string }).answer).toMatch(/12 EUR/);
  });

  it('tells the visitor in the answer when a person takes over, then answers null until the bot has it back', async () => {
    // In the test environment, so that the live one's conversations stay with the bot.
    const testKey = await server.seedKey(ws.testKey, 'sitegist');
    const handoffBot = await trainedBot(server, ws.testKey, 'Handoff Bot');
    const chatbotId = `proj_${handoffBot.id.slice(4)}`;
    const notice =
      'You are now connected with our team. A member of our team will reply here as soon as possible.';
    const ask = (message: string, sessionId?: string) =>
      server.call('POST', `${BASE}/chat`, {
        key: testKey,
        body: { chatbotId, message, ...(sessionId ? { sessionId } : {}) },
      });
    // Two fallbacks in a row hand the conversation over (the default handoff settings).
    const first = await ask('Who won the football world cup in 1966?');
    const { sessionId } = first.body as { sessionId: string; answer: string };
    expect((first.body as { answer: string }).answer).toMatch(/^I'm sorry/);
    const second = await ask('What is the capital city of Peru?', sessionId);
    expect(second.status).toBe(200);
    const answer = (second.body as { answer: string }).answer;
    expect(answer, answer).toMatch(/I'm sorry/);
    expect(answer.endsWith(`\n\n${notice}`), answer).toBe(true);
    // The person answers through the inbox: the bot says nothing more in this session.
    const third = await ask('What is your refund policy?', sessionId);
    expect(third.body).toEqual({ sessionId, answer: null });
    // Asking for a person is answered with the notice alone.
    const asked = await ask('Can I talk to a human please?');
    expect((asked.body as { answer: string }).answer).toBe(notice);
  });

  it('answers 400 with the seed’s words when chatbotId or message is missing, 404 for an id that names nothing', async () => {
    for (const body of [
      { message: 'Hello' },
      { chatbotId: projId },
      {},
      { chatbotId: '', message: 'Hi' },
      { chatbotId: projId, message: ' ' },
    ]) {
      const missing = await server.call('POST', `${BASE}/chat`, { key: skKey, body });
      expect(missing.status).toBe(400);
      expect(missing.text).toBe('{"error":"chatbotId and message are required."}');
    }
    const badId = await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: bot.id, message: 'Hello' },
    });
    expect(badId.status).toBe(404);
    expect(badId.body).toEqual({ error: 'Chatbot not found.' });
    // The seed's own example ids, and a null session: ids that name nothing are unknown, not malformed.
    const example = await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: 'proj_abc123', message: 'Hello' },
    });
    expect(example.status).toBe(404);
    expect(example.body).toEqual({ error: 'Chatbot not found.' });
    const noSession = await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: projId, message: 'Hello', sessionId: 'sess_xyz' },
    });
    expect(noSession.status).toBe(404);
    expect(noSession.body).toEqual({ error: 'Session not found.' });
    const nullSession = await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: projId, message: 'Hello', sessionId: null },
    });
    expect(nullSession.status).toBe(200);
    expect(nullSession.body).toMatchObject({ sessionId: expect.stringMatching(/^sess_/) });
  });

  it('answers 404 for a chatbot that is not yours and for an unknown session', async () => {
    const other = await buildWorkspace(server.t.context);
    const foreign = await server.call('POST', `${BASE}/chat`, {
      key: other.liveKey,
      body: { chatbotId: projId, message: 'Hello' },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: 'Chatbot not found.' });
    const session = await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: projId, message: 'Hello', sessionId: `sess_${bot.id.slice(4)}` },
    });
    expect(session.status).toBe(404);
    expect(session.body).toEqual({ error: 'Session not found.' });
  });

  it('answers 502 {"error", "sessionId"} when the answer generation fails, the message kept for a retry', async () => {
    const llmBot = await trainedBot(server, ws.liveKey, 'LLM Bot');
    const integration = await server.call('POST', `/v1/chatbots/${llmBot.id}/integrations`, {
      key: ws.liveKey,
      body: { provider: 'openai_compatible', model: 'acme', base_url: fake.baseUrl, api_key: 'sk-provider' },
    });
    expect(integration.status, integration.text).toBe(201);
    fake.setBehavior({ type: 'error', status: 500 });
    const failed = await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: `proj_${llmBot.id.slice(4)}`, message: 'How do I reset my password?' },
    });
    expect(failed.status).toBe(502);
    expect(shapeOf(failed.body)).toEqual({ error: 'string', sessionId: 'string' });
    const { error, sessionId } = failed.body as { error: string; sessionId: string };
    expect(error).toMatch(/^Answer generation failed: /);
    fake.setBehavior(null);
    // The retry goes on in the session the failed answer named: one conversation, not two.
    const retried = await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: `proj_${llmBot.id.slice(4)}`, message: 'How do I reset my password?', sessionId },
    });
    expect(retried.status).toBe(200);
    expect((retried.body as { sessionId: string }).sessionId).toBe(sessionId);
    const conversations = (
      await server.call('GET', `${BASE}/conversations?chatbotId=proj_${llmBot.id.slice(4)}`, { key: skKey })
    ).body as { data: { id: string; messageCount: number }[] };
    expect(conversations.data).toHaveLength(1);
    expect(conversations.data[0]!.id).toBe(sessionId);
  });
});

describe('GET /conversations', () => {
  it('lists the latest conversations with the seed example’s fields, of one chatbot when asked', async () => {
    const other = await trainedBot(server, ws.liveKey, 'Other Bot');
    const otherProj = `proj_${other.id.slice(4)}`;
    await server.call('POST', `${BASE}/chat`, {
      key: skKey,
      body: { chatbotId: otherProj, message: 'Shipping?' },
    });
    await server.call('POST', `/v1/chatbots/${other.id}/leads`, {
      key: ws.liveKey,
      body: { email: 'jane@example.com' },
    });

    const all = await server.call('GET', `${BASE}/conversations`, { key: skKey });
    expect(all.status).toBe(200);
    const rows = (all.body as { data: Record<string, unknown>[] }).data;
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual([
        'id',
        'chatbotId',
        'customerEmail',
        'status',
        'mode',
        'messageCount',
        'createdAt',
        'updatedAt',
      ]);
      expect(row.id).toMatch(SESS);
      expect(row.chatbotId).toMatch(PROJ);
      expect(row).toMatchObject({ status: 'active', mode: 'ai', messageCount: expect.any(Number) });
      expect(row.createdAt).toMatch(ISO);
      expect(row.updatedAt).toMatch(ISO);
    }

    const filtered = await server.call('GET', `${BASE}/conversations?chatbotId=${otherProj}`, { key: skKey });
    const only = (filtered.body as { data: Record<string, unknown>[] }).data;
    expect(only).toHaveLength(1);
    expect(only[0]).toMatchObject({ chatbotId: otherProj, messageCount: 2 });

    const unknown = await server.call('GET', `${BASE}/conversations?chatbotId=proj_${'0'.repeat(26)}`, {
      key: skKey,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'Chatbot not found.' });
  });

  it('shows the email of a lead captured in the conversation as customerEmail', async () => {
    const own = await buildWorkspace(server.t.context);
    const small = await trainedBot(server, own.liveKey, 'Lead Bot');
    const proj = `proj_${small.id.slice(4)}`;
    const chat = await server.call('POST', `${BASE}/chat`, {
      key: own.liveKey,
      body: { chatbotId: proj, message: 'What about refunds?' },
    });
    const { sessionId } = chat.body as { sessionId: string };
    const lead = await server.call('POST', `/v1/chatbots/${small.id}/leads`, {
      key: own.liveKey,
      body: { email: 'jane@example.com', conversation_id: `conv_${sessionId.slice('sess_'.length)}` },
    });
    expect(lead.status, lead.text).toBe(201);
    const listed = (await server.call('GET', `${BASE}/conversations`, { key: own.liveKey })).body as {
      data: { id: string; customerEmail: string | null }[];
    };
    expect(listed.data).toEqual([
      expect.objectContaining({ id: sessionId, customerEmail: 'jane@example.com' }),
    ]);
  });

  it('answers the latest 100 only', async () => {
    const own = await buildWorkspace(server.t.context);
    const small = await server.call('POST', '/v1/chatbots', { key: own.testKey, body: { name: 'Busy' } });
    const proj = `proj_${(small.body as { id: string }).id.slice(4)}`;
    const sessions: string[] = [];
    for (let i = 0; i < 101; i++) {
      const chat = await server.call('POST', `${BASE}/chat`, {
        key: own.testKey,
        body: { chatbotId: proj, message: `Hello number ${i}` },
      });
      expect(chat.status, chat.text).toBe(200);
      sessions.push((chat.body as { sessionId: string }).sessionId);
    }
    const listed = (await server.call('GET', `${BASE}/conversations`, { key: own.testKey })).body as {
      data: { id: string }[];
    };
    expect(listed.data).toHaveLength(100);
    expect(listed.data[0]!.id).toBe(sessions.at(-1));
    expect(listed.data.map((row) => row.id)).not.toContain(sessions[0]);
  });
});

describe('rate limit and document', () => {
  it('allows 120 requests a minute per key, then 429 {"error"} with Retry-After', async () => {
    const own = await buildWorkspace(server.t.context);
    const key = await server.seedKey(own.liveKey, 'sitegist');
    for (let i = 0; i < 120; i++)
      expect((await server.call('GET', `${BASE}/chatbots`, { key })).status).toBe(200);
    const limited = await server.call('GET', `${BASE}/chatbots`, { key });
    expect(limited.status).toBe(429);
    expect(shapeOf(limited.body)).toEqual({ error: 'string' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('serves its OpenAPI document with the three endpoints', async () => {
    const doc = await server.call('GET', '/compat/sitegist/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys((doc.body as { paths: object }).paths).sort()).toEqual([
      `${BASE}/chat`,
      `${BASE}/chatbots`,
      `${BASE}/conversations`,
    ]);
  });
});

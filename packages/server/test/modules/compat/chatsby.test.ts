// Chatsby contract (seed 003): every example of the seed, field for field, against a running
// server: POST /v1/conversations {agent_id, message} → {id, agent_id, reply, sources_used,
// conversation_id, created_at}, agents in cursor pages, structured errors with param,
// X-RateLimit-* on every response and Retry-After only on a 429, Idempotency-Key on writes, and
// chtb_live_/chtb_test_ keys for the two environments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { type CompatServer, shapeOf, startCompatServer, trainedBot } from './compat-helpers.ts';

const BASE = '/compat/chatsby/v1';
const SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const AGENT = /^agent_[0-9a-z]{26}$/;

let server: CompatServer;
let ws: TestWorkspace;
let liveKey: string;
let testKey: string;
let agentId: string;

beforeAll(async () => {
  server = await startCompatServer({
    PARLEY_PLANS: JSON.stringify({ small: { requests_per_minute: 30, messages_per_month: 1000 } }),
  });
  ws = await buildWorkspace(server.t.context);
  liveKey = await server.seedKey(ws.liveKey, 'chatsby');
  testKey = await server.seedKey(ws.testKey, 'chatsby');
  const bot = await trainedBot(server, ws.liveKey, 'Support Agent');
  agentId = `agent_${bot.id.slice('bot_'.length)}`;
});
afterAll(async () => {
  await server?.close();
});

function send(body: unknown, key = liveKey, headers: Record<string, string> = {}) {
  return server.call('POST', `${BASE}/conversations`, { key, body, headers });
}

describe('keys and environments', () => {
  it('creates chtb_live_ and chtb_test_ keys, each reaching its own environment', async () => {
    expect(liveKey).toMatch(/^chtb_live_[0-9A-Za-z]{40}$/);
    expect(testKey).toMatch(/^chtb_test_[0-9A-Za-z]{40}$/);
    const live = (await server.call('GET', `${BASE}/agents`, { key: liveKey })).body as {
      data: { id: string }[];
    };
    expect(live.data.map((agent) => agent.id)).toEqual([agentId]);
    const test = await server.call('GET', `${BASE}/agents`, { key: testKey });
    expect(test.body).toEqual({ data: [], has_more: false, next_cursor: null });
    const hidden = await server.call('GET', `${BASE}/agents/${agentId}`, { key: testKey });
    expect(hidden.status).toBe(404);
    const chat = await send({ agent_id: agentId, message: 'Hello' }, testKey);
    expect(chat.status).toBe(404);
    expect((chat.body as { error: { type: string } }).error.type).toBe('not_found_error');
  });

  it('answers 401 in the structured shape for a missing or unknown key', async () => {
    const missing = await server.call('GET', `${BASE}/agents`);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      error: {
        type: 'authentication_error',
        message: expect.any(String),
        code: 'missing_api_key',
        param: null,
        status: 401,
      },
    });
    const unknown = await server.call('GET', `${BASE}/agents`, { key: `chtb_live_${'a'.repeat(40)}` });
    expect(unknown.status).toBe(401);
    expect((unknown.body as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });
});

describe('POST /v1/conversations', () => {
  it('answers the seed example’s fields, field for field', async () => {
    const response = await send({ agent_id: agentId, message: 'What are your business hours?' });
    expect(response.status, response.text).toBe(200);
    const body = response.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'id',
      'agent_id',
      'reply',
      'sources_used',
      'conversation_id',
      'created_at',
    ]);
    expect(shapeOf(body)).toEqual({
      id: 'string',
      agent_id: 'string',
      reply: 'string',
      sources_used: 'array',
      conversation_id: 'string',
      created_at: 'string',
    });
    expect(body.id).toMatch(/^conv_[0-9a-z]{26}$/);
    expect(body.conversation_id).toBe(body.id);
    expect(body.agent_id).toBe(agentId);
    expect(body.created_at).toMatch(SECONDS);
  });

  it('cites the sources it used as {id, title} and continues a conversation', async () => {
    const first = await send({ agent_id: agentId, message: 'How long do I have to ask for a refund?' });
    const reply = first.body as { reply: string; sources_used: { id: string; title: string }[]; id: string };
    expect(reply.reply).toMatch(/30 days/);
    expect(reply.sources_used[0]).toEqual({
      id: expect.stringMatching(/^src_[0-9a-z]{26}$/),
      title: 'Refund policy',
    });
    for (const source of reply.sources_used) expect(Object.keys(source)).toEqual(['id', 'title']);

    const second = await send({
      agent_id: agentId,
      message: 'And shipping costs?',
      conversation_id: reply.id,
    });
    expect(second.status, second.text).toBe(200);
    expect((second.body as { conversation_id: string }).conversation_id).toBe(reply.id);
    const messages = await server.call('GET', `${BASE}/conversations/${reply.id}/messages`, { key: liveKey });
    const rows = (messages.body as { data: { role: string; content: string; created_at: string }[] }).data;
    expect(rows.map((row) => row.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(rows[0]).toMatchObject({ content: 'How long do I have to ask for a refund?' });
    // A client that sends null for "no conversation yet" starts a new one.
    const fresh = await send({ agent_id: agentId, message: 'Hello', conversation_id: null });
    expect(fresh.status, fresh.text).toBe(200);
    expect((fresh.body as { conversation_id: string }).conversation_id).not.toBe(reply.id);
  });

  it('answers the seed’s error example for a missing agent_id, and names the parameter', async () => {
    const missing = await send({ message: 'What are your business hours?' });
    expect(missing.status).toBe(400);
    expect(missing.text).toBe(
      JSON.stringify({
        error: {
          type: 'invalid_request_error',
          message: "The 'agent_id' field is required.",
          code: 'missing_required_field',
          param: 'agent_id',
          status: 400,
        },
      }),
    );
    // The seed's example id, or one of another form, names no agent: the 404 of an unknown one.
    for (const agentId of ['bot_123', 'agent_1a2b3c4d5e']) {
      const badId = await send({ agent_id: agentId, message: 'Hi' });
      expect(badId.status).toBe(404);
      expect(badId.body).toMatchObject({
        error: { type: 'not_found_error', code: 'resource_not_found', param: null, status: 404 },
      });
    }
    // A /v1 bot_ id is no agent id here: the message quotes it as sent, not as an agent that exists.
    const botForm = `bot_${agentId.slice('agent_'.length)}`;
    const asBot = await server.call('GET', `${BASE}/agents/${botForm}`, { key: liveKey });
    expect(asBot.status).toBe(404);
    expect((asBot.body as { error: { message: string } }).error.message).toBe(
      `No agent found with id '${botForm}'.`,
    );
    const unknown = await send({ agent_id: `agent_${'0'.repeat(26)}`, message: 'Hi' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      error: {
        type: 'not_found_error',
        message: `No agent found with id 'agent_${'0'.repeat(26)}'.`,
        code: 'resource_not_found',
        param: null,
        status: 404,
      },
    });
  });

  it('replays a write sent again with the same Idempotency-Key, and refuses the key with another body', async () => {
    const headers = { 'idempotency-key': 'chatsby-retry-1' };
    const first = await send({ agent_id: agentId, message: 'Do you ship abroad?' }, liveKey, headers);
    expect(first.status).toBe(200);
    const again = await send({ agent_id: agentId, message: 'Do you ship abroad?' }, liveKey, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(first.text);
    const id = (first.body as { id: string }).id;
    const conversation = await server.call('GET', `${BASE}/conversations/${id}`, { key: liveKey });
    expect((conversation.body as { message_count: number }).message_count).toBe(2);

    const other = await send({ agent_id: agentId, message: 'Something else' }, liveKey, headers);
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ error: { type: 'idempotency_error', param: 'Idempotency-Key' } });
  });
});

describe('cursor pagination', () => {
  it('pages agents with page_size and cursor as {data, has_more, next_cursor}', async () => {
    const own = await buildWorkspace(server.t.context);
    const key = await server.seedKey(own.liveKey, 'chatsby');
    const names = ['A', 'B', 'C', 'D', 'E'];
    for (const name of names) await server.call('POST', '/v1/chatbots', { key: own.liveKey, body: { name } });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `page_size=2&cursor=${cursor}` : 'page_size=2';
      const page = await server.call('GET', `${BASE}/agents?${query}`, { key });
      expect(page.status).toBe(200);
      const body = page.body as {
        data: { id: string; name: string }[];
        has_more: boolean;
        next_cursor: string | null;
      };
      expect(Object.keys(body)).toEqual(['data', 'has_more', 'next_cursor']);
      for (const agent of body.data) expect(agent.id).toMatch(AGENT);
      seen.push(...body.data.map((agent) => agent.name));
      expect(body.has_more).toBe(body.next_cursor !== null);
      if (body.next_cursor) {
        expect(JSON.parse(Buffer.from(body.next_cursor, 'base64url').toString())).toEqual({
          id: body.data.at(-1)!.id,
        });
      }
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].reverse());

    // Not a cursor, and the seed's own example cursor ({"id": "agent_10"}), which names no agent.
    for (const cursor of ['not-a-cursor', 'eyJpZCI6ImFnZW50XzEwIn0']) {
      const bad = await server.call('GET', `${BASE}/agents?cursor=${cursor}`, { key });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { code: 'invalid_cursor', param: 'cursor' } });
    }
    const tooBig = await server.call('GET', `${BASE}/agents?page_size=101`, { key });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body).toMatchObject({ error: { param: 'page_size' } });
  });

  it('pages conversations newest created first, of one agent when asked, stable under new messages', async () => {
    const own = await buildWorkspace(server.t.context);
    const bot = await server.call('POST', '/v1/chatbots', { key: own.testKey, body: { name: 'Pager' } });
    const agent = `agent_${(bot.body as { id: string }).id.slice(4)}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const chat = await send({ agent_id: agent, message: `Hello ${i}` }, own.testKey);
      ids.push((chat.body as { id: string }).id);
    }
    const first = await server.call('GET', `${BASE}/conversations?page_size=2&agent_id=${agent}`, {
      key: own.testKey,
    });
    const page1 = first.body as { data: { id: string; agent_id: string }[]; next_cursor: string };
    expect(page1.data.map((row) => row.id)).toEqual([ids[2], ids[1]]);
    expect(shapeOf(page1.data[0])).toEqual({
      id: 'string',
      agent_id: 'string',
      status: 'string',
      mode: 'string',
      customer_email: 'null',
      message_count: 'number',
      created_at: 'string',
      updated_at: 'string',
    });
    // A new message in a conversation of the first page does not move it: the walk goes on where
    // it was, and sees every conversation once.
    await send({ agent_id: agent, conversation_id: ids[1], message: 'One more thing' }, own.testKey);
    const second = await server.call(
      'GET',
      `${BASE}/conversations?page_size=2&agent_id=${agent}&cursor=${page1.next_cursor}`,
      { key: own.testKey },
    );
    expect(second.body).toMatchObject({
      data: [{ id: ids[0], agent_id: agent }],
      has_more: false,
      next_cursor: null,
    });
  });
});

describe('rate-limit headers', () => {
  it('sends X-RateLimit-* on every response and Retry-After only on the 429', async () => {
    const own = await buildWorkspace(server.t.context, { plan: 'small' });
    const key = await server.seedKey(own.liveKey, 'chatsby');
    for (let i = 0; i < 30; i++) {
      const response =
        i === 0
          ? await server.call('GET', `${BASE}/agents/agent_${'0'.repeat(26)}`, { key })
          : await server.call('GET', `${BASE}/agents`, { key });
      expect(response.status).toBe(i === 0 ? 404 : 200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('30');
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(29 - i));
      expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
      expect(response.headers.get('retry-after')).toBeNull();
    }
    const limited = await server.call('GET', `${BASE}/agents`, { key });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body).toMatchObject({
      error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null, status: 429 },
    });
  });

  it('serves its OpenAPI document', async () => {
    const doc = await server.call('GET', '/compat/chatsby/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys((doc.body as { paths: object }).paths).sort()).toEqual([
      `${BASE}/agents`,
      `${BASE}/agents/{id}`,
      `${BASE}/conversations`,
      `${BASE}/conversations/{id}`,
      `${BASE}/conversations/{id}/messages`,
    ]);
  });
});

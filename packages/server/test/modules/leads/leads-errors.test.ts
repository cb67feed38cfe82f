// Leads: bad input answers a 4xx in the error envelope and changes nothing; no key, another
// workspace or the other environment never reaches a lead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeId, newUuid } from '../../../src/lib/ids.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import {
  capture,
  capturedEvents,
  createBot,
  customerOf,
  listLeads,
  startConversation,
} from './lead-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;
let botId: string;
beforeAll(async () => {
  t = await startTestApp();
  ws = await buildWorkspace(t.context);
  botId = await createBot(t, ws.liveKey);
});
afterAll(async () => {
  await t.close();
});

/** A workspace of its own with one bot, so "nothing was captured" is about this test alone. */
async function fresh(): Promise<{ key: string; bot: string }> {
  const own = await buildWorkspace(t.context);
  return { key: own.liveKey, bot: await createBot(t, own.liveKey) };
}

const manyFields = (count: number, prefix: string) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, i]));

describe('capture errors', () => {
  it.each([
    [{}, 'email', 'missing_required_field'],
    [{ email: 'not-an-email' }, 'email', 'invalid_parameter'],
    [{ email: `${'a'.repeat(310)}@example.com` }, 'email', 'invalid_parameter'],
    [{ email: 42 }, 'email', 'invalid_parameter'],
    [{ email: 'ana@example.com', name: '' }, 'name', 'invalid_parameter'],
    [{ email: 'ana@example.com', name: '   ' }, 'name', 'invalid_parameter'],
    [{ email: 'ana@example.com', phone: '1'.repeat(51) }, 'phone', 'invalid_parameter'],
    [{ email: 'ana@example.com', phone: ' ' }, 'phone', 'invalid_parameter'],
    [{ email: 'ana@example.com', fields: manyFields(51, 'f') }, 'fields', 'invalid_parameter'],
    [{ email: 'ana@example.com', fields: { nested: { a: 1 } } }, 'fields.nested', 'invalid_parameter'],
    [{ email: 'ana@example.com', fields: ['a'] }, 'fields', 'invalid_parameter'],
    [{ email: 'ana@example.com', fields: { ['k'.repeat(101)]: 1 } }, 'fields', 'invalid_parameter'],
    [{ email: 'ana@example.com', fields: { '': 1 } }, 'fields', 'invalid_parameter'],
    [{ email: 'ana@example.com', fields: { note: 'n'.repeat(2_001) } }, 'fields.note', 'invalid_parameter'],
    [{ email: 'ana@example.com', fields: { gone: null } }, 'fields.gone', 'invalid_parameter'],
    [{ email: 'ana@example.com', nickname: 'Ani' }, 'nickname', 'unknown_parameter'],
    [{ email: 'ana@example.com', conversation_id: 'nope' }, 'conversation_id', 'invalid_id'],
    [
      { email: 'ana@example.com', conversation_id: encodeId('bot', newUuid()) },
      'conversation_id',
      'invalid_id',
    ],
  ])('refuses %j naming %s, and captures nothing', async (body, param, code) => {
    const { key, bot } = await fresh();
    const response = await capture(t, key, bot, body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toEqual({
      type: 'invalid_request_error',
      code,
      message: expect.any(String),
      param,
      status: 400,
      request_id: response.headers['x-request-id'],
    });
    expect(await listLeads(t, key)).toEqual([]);
  });

  it('refuses a merge past 50 fields and keeps the lead as it was', async () => {
    const bot = await createBot(t, ws.liveKey, 'Fields bot');
    const lead = (
      await capture(t, ws.liveKey, bot, { email: 'max@example.com', fields: manyFields(30, 'a') })
    ).json();
    const response = await capture(t, ws.liveKey, bot, {
      email: 'max@example.com',
      name: 'Max',
      fields: manyFields(30, 'b'),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'too_many_fields', param: 'fields' });
    expect(response.json().error.message).toContain('60');
    expect((await t.request({ url: `/v1/leads/${lead.id}`, key: ws.liveKey })).json()).toEqual(lead);
    expect(await capturedEvents(t, lead.id)).toHaveLength(1);
  });

  it('answers 404 for an unknown or deleted chatbot and 400 for a malformed one', async () => {
    const unknown = await capture(t, ws.liveKey, encodeId('bot', newUuid()), { email: 'ana@example.com' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ type: 'not_found_error', code: 'resource_not_found' });
    const deletedBot = await createBot(t, ws.liveKey, 'Gone');
    await t.request({ method: 'DELETE', url: `/v1/chatbots/${deletedBot}`, key: ws.liveKey });
    expect((await capture(t, ws.liveKey, deletedBot, { email: 'ana@example.com' })).statusCode).toBe(404);
    const malformed = await capture(t, ws.liveKey, encodeId('lead', newUuid()), { email: 'ana@example.com' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: 'invalid_id', param: 'id' });
  });

  it('answers 404 for a conversation of another chatbot or an unknown one, and links nothing', async () => {
    const { key, bot } = await fresh();
    const otherBot = await createBot(t, key, 'Other bot');
    const foreign = await startConversation(t, key, otherBot);
    for (const conversationId of [foreign, encodeId('conv', newUuid())]) {
      const response = await capture(t, key, bot, {
        email: 'ivy@example.com',
        conversation_id: conversationId,
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toMatchObject({
        type: 'not_found_error',
        message: expect.stringContaining(conversationId),
      });
    }
    expect(await customerOf(t, key, foreign)).toEqual({ customer_email: null, customer_name: null });
    expect(await listLeads(t, key)).toEqual([]);
  });
});

describe('list and get errors', () => {
  it.each([
    ['chatbot_id=conv_01jdz6qg0ef8s9cm8y0d7sv9k2', 'chatbot_id', 'invalid_id'],
    ['chatbot_id=bot_x', 'chatbot_id', 'invalid_id'],
    ['created_after=yesterday', 'created_after', 'invalid_parameter'],
    ['created_after=2026-01-01', 'created_after', 'invalid_parameter'],
    ['page_size=101', 'page_size', 'invalid_parameter'],
    ['page_size=0', 'page_size', 'invalid_parameter'],
    ['cursor=garbage', 'cursor', 'invalid_cursor'],
  ])('refuses ?%s naming %s', async (query, param, code) => {
    const response = await t.request({ url: `/v1/leads?${query}`, key: ws.liveKey });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', code, param, status: 400 });
  });

  it('answers 404 for an unknown lead and 400 for a malformed id', async () => {
    const unknownId = encodeId('lead', newUuid());
    const unknown = await t.request({ url: `/v1/leads/${unknownId}`, key: ws.liveKey });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({
      type: 'not_found_error',
      message: `No lead found with id '${unknownId}'.`,
    });
    for (const method of ['GET', 'DELETE'] as const) {
      const malformed = await t.request({ method, url: `/v1/leads/${botId}`, key: ws.liveKey });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error).toMatchObject({ code: 'invalid_id', param: 'id' });
    }
  });
});

describe('security', () => {
  it('answers 401 without a key or with a bad one', async () => {
    const lead = (await capture(t, ws.liveKey, botId, { email: 'sec@example.com' })).json();
    for (const key of [undefined, 'prl_live_not-a-real-key']) {
      const requests = [
        t.request({
          method: 'POST',
          url: `/v1/chatbots/${botId}/leads`,
          key,
          body: { email: 'x@example.com' },
        }),
        t.request({ url: '/v1/leads', key }),
        t.request({ url: `/v1/leads/${lead.id}`, key }),
        t.request({ method: 'DELETE', url: `/v1/leads/${lead.id}`, key }),
      ];
      for (const response of await Promise.all(requests)) {
        expect(response.statusCode).toBe(401);
        expect(response.json().error.type).toBe('authentication_error');
      }
    }
    expect((await t.request({ url: `/v1/leads/${lead.id}`, key: ws.liveKey })).json()).toEqual(lead);
  });

  it('answers 404 to another workspace and to the test environment, and changes nothing', async () => {
    const own = await buildWorkspace(t.context);
    const bot = await createBot(t, own.liveKey, 'Private bot');
    const conversationId = await startConversation(t, own.liveKey, bot);
    const lead = (await capture(t, own.liveKey, bot, { email: 'own@example.com', name: 'Own' })).json();
    const other = await buildWorkspace(t.context);
    const otherBot = await createBot(t, other.liveKey, 'Their bot');

    for (const key of [other.liveKey, own.testKey]) {
      expect((await t.request({ url: `/v1/leads/${lead.id}`, key })).statusCode).toBe(404);
      expect((await t.request({ method: 'DELETE', url: `/v1/leads/${lead.id}`, key })).statusCode).toBe(404);
      const into = await capture(t, key, bot, { email: 'own@example.com', name: 'Hijacked' });
      expect(into.statusCode).toBe(404);
      expect(await listLeads(t, key)).toEqual([]);
      expect(await listLeads(t, key, `&chatbot_id=${bot}`)).toEqual([]);
    }
    // Their own bot cannot link our conversation.
    const linked = await capture(t, other.liveKey, otherBot, {
      email: 'x@example.com',
      conversation_id: conversationId,
    });
    expect(linked.statusCode).toBe(404);
    expect(await customerOf(t, own.liveKey, conversationId)).toEqual({
      customer_email: null,
      customer_name: null,
    });
    expect(await listLeads(t, other.liveKey)).toEqual([]);

    expect((await t.request({ url: `/v1/leads/${lead.id}`, key: own.liveKey })).json()).toEqual(lead);
    expect(await capturedEvents(t, lead.id)).toHaveLength(1);
  });
});

// Leads through the API: capture and de-duplication, merging, conversation links, the
// lead.captured events, listing with filters and pagination, and deletion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('POST /v1/chatbots/{id}/leads', () => {
  it('creates a lead on the first capture, with the address lower-cased', async () => {
    const response = await capture(t, ws.liveKey, botId, {
      email: 'Ana.Lopez@Example.COM',
      name: 'Ana',
      phone: '+34 600 000 000',
      fields: { plan: 'pro', seats: 12, newsletter: true },
    });
    expect(response.statusCode, response.body).toBe(201);
    const lead = response.json();
    expect(lead).toEqual({
      id: expect.stringMatching(/^lead_/),
      chatbot_id: botId,
      conversation_id: null,
      email: 'ana.lopez@example.com',
      name: 'Ana',
      phone: '+34 600 000 000',
      phone_e164: '+34600000000',
      fields: { plan: 'pro', seats: 12, newsletter: true },
      captured_via: 'api',
      created_at: expect.any(String),
      updated_at: lead.created_at,
    });
    expect(new Date(lead.created_at).toISOString()).toBe(lead.created_at);
    const fetched = await t.request({ url: `/v1/leads/${lead.id}`, key: ws.liveKey });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(lead);
  });

  it('updates the same lead on later captures: address without case, fields merged, name and phone kept', async () => {
    const bot = await createBot(t, ws.liveKey, 'Merge bot');
    const first = (
      await capture(t, ws.liveKey, bot, {
        email: 'ben@example.com',
        name: 'Ben',
        phone: '+1 650-555-0100',
        fields: { plan: 'pro', source: 'pricing page' },
      })
    ).json();

    const second = await capture(t, ws.liveKey, bot, {
      email: 'BEN@Example.com',
      fields: { company: 'Acme' },
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({
      id: first.id,
      email: 'ben@example.com',
      name: 'Ben',
      phone: '+1 650-555-0100',
      fields: { plan: 'pro', source: 'pricing page', company: 'Acme' },
      created_at: first.created_at,
    });

    const third = await capture(t, ws.liveKey, bot, {
      email: 'ben@example.com',
      name: 'Ben Okafor',
      fields: { plan: 'enterprise' },
    });
    expect(third.statusCode).toBe(200);
    expect(third.json()).toMatchObject({
      id: first.id,
      name: 'Ben Okafor',
      phone: '+1 650-555-0100',
      fields: { plan: 'enterprise', source: 'pricing page', company: 'Acme' },
    });
    expect(Date.parse(third.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(first.updated_at));
    expect((await listLeads(t, ws.liveKey, `&chatbot_id=${bot}`)).map((lead) => lead.id)).toEqual([first.id]);

    // The same address on another bot is another lead.
    const other = await capture(t, ws.liveKey, botId, { email: 'ben@example.com' });
    expect(other.statusCode).toBe(201);
    expect(other.json().id).not.toBe(first.id);
  });

  it('makes one lead of concurrent captures of one address, merging every one', async () => {
    const bot = await createBot(t, ws.liveKey, 'Busy bot');
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        capture(t, ws.liveKey, bot, {
          email: i % 2 ? 'Cy@Example.com' : 'cy@example.com',
          fields: { [`k${i}`]: i },
        }),
      ),
    );
    expect(responses.map((response) => response.statusCode).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    const ids = new Set(responses.map((response) => response.json().id));
    expect(ids.size).toBe(1);
    const leads = await listLeads(t, ws.liveKey, `&chatbot_id=${bot}`);
    expect(leads).toHaveLength(1);
    expect(leads[0]!.fields).toEqual({ k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7 });
    const events = await capturedEvents(t, leads[0]!.id as string);
    expect(events.map((event) => event.created).sort()).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
  });

  it('links the conversation and sets its customer email and name', async () => {
    const conversationId = await startConversation(t, ws.liveKey, botId);
    expect(await customerOf(t, ws.liveKey, conversationId)).toEqual({
      customer_email: null,
      customer_name: null,
    });
    const response = await capture(t, ws.liveKey, botId, {
      email: 'Dana@Example.com',
      name: 'Dana',
      conversation_id: conversationId,
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ conversation_id: conversationId, email: 'dana@example.com' });
    expect(await customerOf(t, ws.liveKey, conversationId)).toEqual({
      customer_email: 'dana@example.com',
      customer_name: 'Dana',
    });

    // A later conversation becomes the lead's; a capture without one keeps it.
    const later = await startConversation(t, ws.liveKey, botId);
    const moved = (
      await capture(t, ws.liveKey, botId, { email: 'dana@example.com', conversation_id: later })
    ).json();
    expect(moved.conversation_id).toBe(later);
    expect(await customerOf(t, ws.liveKey, later)).toEqual({
      customer_email: 'dana@example.com',
      customer_name: 'Dana',
    });
    const kept = (
      await capture(t, ws.liveKey, botId, { email: 'dana@example.com', phone: '+34 600 123 456' })
    ).json();
    expect(kept).toMatchObject({ conversation_id: later, phone: '+34 600 123 456', name: 'Dana' });
  });

  it('keeps the way a lead was first captured', async () => {
    const bot = await createBot(t, ws.liveKey, 'Chat capture bot');
    const scope = { workspaceId: ws.id, environment: 'live' as const };
    const fromChat = await t.context.leads.capture(
      scope,
      decodeId('bot', bot, 'id'),
      { email: 'Eve@Example.com' },
      'chat',
    );
    expect(fromChat.created).toBe(true);
    const response = await capture(t, ws.liveKey, bot, { email: 'eve@example.com', name: 'Eve' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ email: 'eve@example.com', name: 'Eve', captured_via: 'chat' });
  });
});

describe('lead.captured', () => {
  it('is emitted for a new or changed lead with the lead as the API shows it, never for an identical capture', async () => {
    const conversationId = await startConversation(t, ws.liveKey, botId);
    const body = {
      email: 'fay@example.com',
      name: 'Fay',
      fields: { plan: 'pro' },
      conversation_id: conversationId,
    };
    const created = (await capture(t, ws.liveKey, botId, body)).json();
    expect(await capturedEvents(t, created.id)).toEqual([{ ...created, created: true }]);

    await sleep(5);
    const again = await capture(t, ws.liveKey, botId, { ...body, email: 'FAY@example.com' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(created);
    const sameAgain = await capture(t, ws.liveKey, botId, {
      email: 'fay@example.com',
      fields: { plan: 'pro' },
    });
    expect(sameAgain.json()).toEqual(created);
    expect(await capturedEvents(t, created.id)).toHaveLength(1);

    const changed = (
      await capture(t, ws.liveKey, botId, { email: 'fay@example.com', phone: '+1 650 555 0199' })
    ).json();
    expect(changed).toMatchObject({ phone: '+1 650 555 0199', phone_e164: '+16505550199' });
    expect(changed.updated_at > created.updated_at).toBe(true);
    expect(await capturedEvents(t, created.id)).toEqual([
      { ...created, created: true },
      { ...changed, created: false },
    ]);
  });
});

describe('GET /v1/leads', () => {
  it('lists newest first with pagination, filtered by chatbot and creation time', async () => {
    const own = await buildWorkspace(t.context);
    const a = await createBot(t, own.liveKey, 'A');
    const b = await createBot(t, own.liveKey, 'B');
    const make = async (bot: string, email: string) =>
      (await capture(t, own.liveKey, bot, { email })).json().id;
    const a1 = await make(a, 'a1@example.com');
    const a2 = await make(a, 'a2@example.com');
    await sleep(30);
    const cut = new Date().toISOString();
    await sleep(30);
    const a3 = await make(a, 'a3@example.com');
    const b1 = await make(b, 'b1@example.com');
    await capture(t, own.testKey, await createBot(t, own.testKey, 'Test bot'), { email: 't@example.com' });

    const first = (await t.request({ url: '/v1/leads?page_size=3', key: own.liveKey })).json();
    expect(first.data.map((lead: { id: string }) => lead.id)).toEqual([b1, a3, a2]);
    expect(first.has_more).toBe(true);
    const second = (
      await t.request({ url: `/v1/leads?page_size=3&cursor=${first.next_cursor}`, key: own.liveKey })
    ).json();
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
    expect(second.data.map((lead: { id: string }) => lead.id)).toEqual([a1]);

    expect((await listLeads(t, own.liveKey, `&chatbot_id=${a}`)).map((lead) => lead.id)).toEqual([
      a3,
      a2,
      a1,
    ]);
    expect((await listLeads(t, own.liveKey, `&chatbot_id=${b}`)).map((lead) => lead.id)).toEqual([b1]);
    expect((await listLeads(t, own.liveKey, `&created_after=${cut}`)).map((lead) => lead.id)).toEqual([
      b1,
      a3,
    ]);
    expect(
      (await listLeads(t, own.liveKey, `&chatbot_id=${a}&created_after=${encodeURIComponent(cut)}`)).map(
        (lead) => lead.id,
      ),
    ).toEqual([a3]);
    expect(await listLeads(t, own.liveKey, '&created_after=2999-01-01T00:00:00Z')).toEqual([]);
    // Updating a lead does not move it: the order is by first capture.
    await capture(t, own.liveKey, a, { email: 'a1@example.com', name: 'Changed' });
    expect((await listLeads(t, own.liveKey, `&chatbot_id=${a}`)).map((lead) => lead.id)).toEqual([
      a3,
      a2,
      a1,
    ]);
    // The test environment sees only its own lead.
    expect((await listLeads(t, own.testKey)).map((lead) => lead.email)).toEqual(['t@example.com']);
  });
});

describe('DELETE /v1/leads/{id}', () => {
  it('deletes the lead and keeps its conversation; a new capture starts a new lead', async () => {
    const conversationId = await startConversation(t, ws.liveKey, botId);
    const lead = (
      await capture(t, ws.liveKey, botId, { email: 'gus@example.com', conversation_id: conversationId })
    ).json();
    const deleted = await t.request({ method: 'DELETE', url: `/v1/leads/${lead.id}`, key: ws.liveKey });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toEqual({ id: lead.id, deleted: true });
    expect((await t.request({ url: `/v1/leads/${lead.id}`, key: ws.liveKey })).statusCode).toBe(404);
    const again = await t.request({ method: 'DELETE', url: `/v1/leads/${lead.id}`, key: ws.liveKey });
    expect(again.statusCode).toBe(404);
    expect(again.json().error).toMatchObject({ type: 'not_found_error', code: 'resource_not_found' });
    expect(await customerOf(t, ws.liveKey, conversationId)).toMatchObject({
      customer_email: 'gus@example.com',
    });
    const recaptured = await capture(t, ws.liveKey, botId, { email: 'gus@example.com' });
    expect(recaptured.statusCode).toBe(201);
    expect(recaptured.json().id).not.toBe(lead.id);
  });

  it('leaves the lead when its conversation is deleted, with conversation_id null', async () => {
    const conversationId = await startConversation(t, ws.liveKey, botId);
    const lead = (
      await capture(t, ws.liveKey, botId, { email: 'hal@example.com', conversation_id: conversationId })
    ).json();
    const deleted = await t.request({
      method: 'DELETE',
      url: `/v1/conversations/${conversationId}`,
      key: ws.liveKey,
    });
    expect(deleted.statusCode).toBe(200);
    const fetched = (await t.request({ url: `/v1/leads/${lead.id}`, key: ws.liveKey })).json();
    expect(fetched).toMatchObject({ id: lead.id, email: 'hal@example.com', conversation_id: null });
  });
});

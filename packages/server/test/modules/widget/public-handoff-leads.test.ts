// The widget's public API, continued: asking for a person, leaving an email, rating a reply,
// and test-mode chatbots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { widgetClient } from '../../helpers/widget-client.ts';

const SITE = 'https://shop.example.com';

let t: TestApp;
let ws: TestWorkspace;
let bot: string;
let pub: ReturnType<typeof widgetClient>['pub'];
let chat: ReturnType<typeof widgetClient>['chat'];

beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ({ pub, chat } = widgetClient(t, SITE));
  ws = await buildWorkspace(t.context);
  bot = (
    await createTrainedBot(t, ws.liveKey, {
      widget_settings: { allowed_origins: [SITE] },
      handoff_settings: { enabled: true },
    })
  ).id;
});
afterAll(async () => {
  await t?.close();
});

describe('handoff, leads and feedback', () => {
  it('lets the visitor ask for a person, after which the bot stays quiet', async () => {
    const first = await chat(bot, { message: 'How much is shipping?' });
    const url = `/public/v1/chatbots/${bot}/conversations/${first.conversationId}/escalate`;
    expect((await pub({ method: 'POST', url, body: {} })).statusCode).toBe(401);
    const escalated = await pub({
      method: 'POST',
      url,
      body: { reason: 'Complicated order' },
      token: first.token,
    });
    expect(escalated.statusCode).toBe(200);
    expect(escalated.json().conversation.mode).toBe('human');

    const next = await chat(bot, { message: 'Hello?', conversation_id: first.conversationId }, first.token);
    expect(next.events.map((e) => e.event)).toEqual(['conversation']);
    expect(next.events[0]!.data.mode).toBe('human');

    const events = await t.request({
      url: '/v1/events?type=conversation.escalated&page_size=100',
      key: ws.liveKey,
    });
    const escalation = events
      .json()
      .data.find((e: { data: { id: string } }) => e.data.id === first.conversationId);
    expect(escalation.data.reason).toBe('Complicated order');
  });

  it('refuses escalation when the bot does not hand over', async () => {
    const quiet = (
      await createTrainedBot(t, ws.liveKey, {
        name: 'No handoff',
        widget_settings: { allowed_origins: [SITE] },
        handoff_settings: { enabled: false },
      })
    ).id;
    const first = await chat(quiet, { message: 'How much is shipping?' });
    const response = await pub({
      method: 'POST',
      url: `/public/v1/chatbots/${quiet}/conversations/${first.conversationId}/escalate`,
      body: {},
      token: first.token,
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('handoff_disabled');
  });

  it('captures a lead from the widget form onto the conversation', async () => {
    const first = await chat(bot, { message: 'How much is shipping?' });
    const url = `/public/v1/chatbots/${bot}/leads`;
    const body = { email: 'Ana@Example.com', name: 'Ana', conversation_id: first.conversationId };
    expect((await pub({ method: 'POST', url, body })).statusCode).toBe(401);
    const captured = await pub({ method: 'POST', url, body, token: first.token });
    expect(captured.statusCode).toBe(201);
    expect(captured.json()).toEqual({ captured: true });
    const bad = await pub({ method: 'POST', url, body: { email: 'not-an-email' } });
    expect(bad.statusCode).toBe(400);

    const leads = await t.request({ url: `/v1/leads?chatbot_id=${bot}`, key: ws.liveKey });
    expect(leads.json().data).toEqual(
      expect.arrayContaining([expect.objectContaining({ email: 'ana@example.com', captured_via: 'widget' })]),
    );
    const conversation = await t.request({
      url: `/v1/conversations/${first.conversationId}`,
      key: ws.liveKey,
    });
    expect(conversation.json()).toMatchObject({ customer_email: 'ana@example.com', customer_name: 'Ana' });
  });

  it('takes thumbs on the visitor’s own replies only', async () => {
    const mine = await chat(bot, { message: 'How long do I have to ask for a refund?' });
    const theirs = await chat(bot, { message: 'How much is shipping?' });
    const reply = (mine.events.at(-1)!.data.message as { id: string }).id;
    const url = `/public/v1/chatbots/${bot}/feedback`;

    const rated = await pub({
      method: 'POST',
      url,
      body: { message_id: reply, rating: 'down' },
      token: mine.token,
    });
    expect(rated.statusCode).toBe(200);
    expect(rated.json().message).toMatchObject({ id: reply, feedback: 'down' });
    const stranger = await pub({
      method: 'POST',
      url,
      body: { message_id: reply, rating: 'up' },
      token: theirs.token,
    });
    expect(stranger.statusCode).toBe(401);

    const seen = await t.request({
      url: `/v1/conversations/${mine.conversationId}/messages`,
      key: ws.liveKey,
    });
    const stored = seen.json().data.find((m: { id: string }) => m.id === reply);
    expect(stored.feedback.rating).toBe('down');
  });
});

describe('test mode', () => {
  it('keeps a test chatbot’s widget conversations in the test environment', async () => {
    const testBot = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: ws.testKey,
      body: { name: 'Staging', widget_settings: { allowed_origins: [SITE] } },
    });
    const first = await chat(testBot.json().id, { message: 'Hello' });
    expect(first.response.statusCode).toBe(200);
    const asTest = await t.request({ url: `/v1/conversations/${first.conversationId}`, key: ws.testKey });
    expect(asTest.statusCode).toBe(200);
    const asLive = await t.request({ url: `/v1/conversations/${first.conversationId}`, key: ws.liveKey });
    expect(asLive.statusCode).toBe(404);
  });
});

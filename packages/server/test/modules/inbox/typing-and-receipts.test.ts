// Typing indicators both ways and read receipts on the live streams, over real HTTP: the team sees
// the visitor and each other typing (notes included) and who has read what; the visitor sees a
// reply being typed, never a private note. Signals are limited and never stored.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventReader, openEventReader } from '../../helpers/event-reader.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { type Person, personClient } from '../../helpers/people.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { widgetClient } from '../../helpers/widget-client.ts';

const SITE = 'https://shop.example.com';
const t = await startTestApp();
const people = personClient(t);
const { pub, chat } = widgetClient(t, SITE);
let base: string;
let ws: TestWorkspace;
let agent: Person;
let bot: string;
const open: EventReader[] = [];

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  ws = await buildWorkspace(t.context);
  agent = await people.signedIn(ws.id, 'agent');
  const created = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Shop bot', widget_settings: { allowed_origins: [SITE] } },
  });
  bot = created.json().id;
});
afterAll(async () => {
  for (const reader of open) reader.close();
  await t.close();
});

async function streams(visitor: { conversationId: string; token: string }) {
  const team = await openEventReader(`${base}/v1/conversations/${visitor.conversationId}/events`, {
    cookie: agent.cookie,
  });
  const widget = await openEventReader(
    `${base}/public/v1/chatbots/${bot}/conversations/${visitor.conversationId}/events?token=${visitor.token}`,
    { origin: SITE },
  );
  open.push(team, widget);
  // Both are subscribed once their first state has arrived.
  await team.next((e) => e.event === 'conversation');
  await widget.next((e) => e.event === 'conversation');
  return { team, widget };
}

function visitorTyping(visitor: { conversationId: string; token: string }, body: unknown = {}) {
  return pub({
    method: 'POST',
    url: `/public/v1/chatbots/${bot}/conversations/${visitor.conversationId}/typing`,
    token: visitor.token,
    body,
  });
}

describe('typing indicators', () => {
  it('reach the team both ways and the visitor only for replies, without being stored', async () => {
    const visitor = await chat(bot, { message: 'My parcel never came' });
    expect(visitor.response.statusCode, visitor.response.body).toBe(200);
    const before = (
      await t.request({ url: `/v1/conversations/${visitor.conversationId}`, key: ws.liveKey })
    ).json().message_count;
    const { team, widget } = await streams(visitor);

    const typed = await visitorTyping(visitor);
    expect(typed.statusCode, typed.body).toBe(202);
    expect(typed.json()).toEqual({ typing: true, expires_in: 6 });
    expect((await team.next((e) => e.event === 'typing')).data).toEqual({
      from: 'visitor',
      user_id: null,
      name: null,
      private_note: false,
      typing: true,
    });

    const note = await agent.call('POST', `/v1/conversations/${visitor.conversationId}/typing`, {
      private_note: true,
    });
    expect(note.statusCode, note.body).toBe(202);
    expect((await team.next((e) => e.event === 'typing')).data).toEqual({
      from: 'agent',
      user_id: agent.id,
      name: agent.email,
      private_note: true,
      typing: true,
    });
    const stopped = await agent.call('POST', `/v1/conversations/${visitor.conversationId}/typing`, {
      typing: false,
    });
    expect(stopped.statusCode, stopped.body).toBe(202);
    expect((await team.next((e) => e.event === 'typing')).data).toMatchObject({
      from: 'agent',
      private_note: false,
      typing: false,
    });

    // The widget's first typing event is the reply's: neither its own typing nor the note came.
    expect((await widget.next((e) => e.event === 'typing')).data).toEqual({
      from: 'agent',
      name: agent.email,
      typing: false,
    });
    const after = (
      await t.request({ url: `/v1/conversations/${visitor.conversationId}`, key: ws.liveKey })
    ).json().message_count;
    expect(after).toBe(before);
    const messages = await agent.call('GET', `/v1/conversations/${visitor.conversationId}/messages`);
    expect(messages.json().data).toHaveLength(before);
  });

  it('are limited per sender and conversation, and refuse bad input and strangers', async () => {
    const visitor = await chat(bot, { message: 'Hello?' });
    for (let signal = 0; signal < 40; signal += 1) {
      expect((await visitorTyping(visitor)).statusCode).toBe(202);
    }
    const limited = await visitorTyping(visitor);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limit_exceeded');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The team has its own allowance.
    const agentTyping = await agent.call('POST', `/v1/conversations/${visitor.conversationId}/typing`, {});
    expect(agentTyping.statusCode).toBe(202);

    const invalid = await agent.call('POST', `/v1/conversations/${visitor.conversationId}/typing`, {
      typing: 'yes',
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.param).toBe('typing');
    const tokenless = await pub({
      method: 'POST',
      url: `/public/v1/chatbots/${bot}/conversations/${visitor.conversationId}/typing`,
      body: {},
    });
    expect(tokenless.statusCode).toBe(401);
    const stranger = await buildWorkspace(t.context);
    const foreign = await t.request({
      method: 'POST',
      url: `/v1/conversations/${visitor.conversationId}/typing`,
      key: stranger.liveKey,
      body: {},
    });
    expect(foreign.statusCode).toBe(404);
  });
});

describe('read receipts', () => {
  it('reach the team’s stream as they are recorded, never the visitor’s', async () => {
    const visitor = await chat(bot, { message: 'Is it in stock?' });
    const { team, widget } = await streams(visitor);
    const read = await agent.call('POST', `/v1/conversations/${visitor.conversationId}/read`, {});
    expect(read.statusCode, read.body).toBe(200);
    const event = await team.next((e) => e.event === 'read');
    expect(event.data).toEqual(read.json());
    expect(event.data).toMatchObject({
      user_id: agent.id,
      last_read_message_id: expect.stringMatching(/^msg_/),
    });

    // The widget sees the next reply-typing signal with no read event before it.
    await agent.call('POST', `/v1/conversations/${visitor.conversationId}/typing`, {});
    const next = await widget.next((e) => e.event === 'typing' || e.event === 'read');
    expect(next.event).toBe('typing');
  });
});

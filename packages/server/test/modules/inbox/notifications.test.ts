// A person's own live stream (GET /v1/me/events) over real HTTP: a conversation given to them, a
// note that @mentions them and a visitor's message in a conversation they have reach them, and
// nobody else.
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
const { chat } = widgetClient(t, SITE);
let base: string;
let ws: TestWorkspace;
let owner: Person;
let bot: string;
const open: EventReader[] = [];

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  ws = await buildWorkspace(t.context);
  owner = await people.signedIn(ws.id, 'owner');
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

async function notifications(headers: Record<string, string>, query = '') {
  const reader = await openEventReader(`${base}/v1/me/events${query}`, headers);
  open.push(reader);
  await reader.next((e) => e.event === 'ready');
  return reader;
}

describe('notifications', () => {
  it('tell a person of an assignment, a mention and a visitor’s message, and only them', async () => {
    const agent = await people.signedIn(ws.id, 'agent');
    const colleague = await people.signedIn(ws.id, 'agent');
    const mine = await notifications({ cookie: agent.cookie });
    const theirs = await notifications({ cookie: colleague.cookie });
    const visitor = await chat(bot, { message: 'My parcel never came' });
    expect(visitor.response.statusCode, visitor.response.body).toBe(200);

    const assigned = await owner.call('POST', `/v1/conversations/${visitor.conversationId}/assign`, {
      user_id: agent.id,
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    const assignment = await mine.next((e) => e.event === 'notification');
    expect(assignment.data).toMatchObject({
      type: 'conversation.assigned',
      environment: 'live',
      conversation: { id: visitor.conversationId, assignee_id: agent.id },
    });

    const note = await owner.call('POST', `/v1/conversations/${visitor.conversationId}/notes`, {
      content: `@${agent.email} refund approved`,
    });
    expect(note.statusCode, note.body).toBe(201);
    expect((await mine.next((e) => e.event === 'notification')).data).toMatchObject({
      type: 'note.mentioned',
      note_id: note.json().id,
      conversation: { id: visitor.conversationId },
    });

    const again = await chat(
      bot,
      { message: 'Any news?', conversation_id: visitor.conversationId },
      visitor.token,
    );
    expect(again.response.statusCode, again.response.body).toBe(200);
    expect((await mine.next((e) => e.event === 'notification')).data).toMatchObject({
      type: 'message.received',
      conversation: { id: visitor.conversationId },
      message: { role: 'user', content: 'Any news?' },
    });

    // The colleague heard of none of it: their first notification is their own assignment.
    await owner.call('POST', `/v1/conversations/${visitor.conversationId}/assign`, { user_id: colleague.id });
    expect((await theirs.next((e) => e.event === 'notification')).data).toMatchObject({
      type: 'conversation.assigned',
      conversation: { assignee_id: colleague.id },
    });
  });

  it('follow the person an API key names, in its own workspace only', async () => {
    const agent = await people.signedIn(ws.id, 'agent');
    const missing = await t.request({ url: '/v1/me/events', key: ws.liveKey });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.param).toBe('user_id');
    const stranger = await buildWorkspace(t.context);
    const foreign = await t.request({ url: `/v1/me/events?user_id=${agent.id}`, key: stranger.liveKey });
    expect(foreign.statusCode).toBe(404);
    const someoneElse = await owner.call('GET', `/v1/me/events?user_id=${agent.id}`);
    expect(someoneElse.statusCode).toBe(403);
    expect(someoneElse.json().error.code).toBe('not_your_notifications');

    const followed = await notifications({ authorization: `Bearer ${ws.liveKey}` }, `?user_id=${agent.id}`);
    const visitor = await chat(bot, { message: 'Hello?' });
    await t.request({
      method: 'POST',
      url: `/v1/conversations/${visitor.conversationId}/assign`,
      key: ws.liveKey,
      body: { user_id: agent.id },
    });
    expect((await followed.next((e) => e.event === 'notification')).data).toMatchObject({
      type: 'conversation.assigned',
      conversation: { id: visitor.conversationId },
    });
  });
});

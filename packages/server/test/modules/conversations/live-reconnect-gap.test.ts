// What is announced while a node is not listening (its LISTEN connection dropped and is being
// re-established) still reaches the streams open on that node once it listens again: the team's
// and the widget's conversation streams catch up on messages and on the conversation's state,
// and a person's own stream (GET /v1/me/events) on their notifications.
//
// On PostgreSQL the node's LISTEN connection is terminated for real; changes are made through
// the other node during the ~1 s the listener takes to reconnect. On PGlite, which has no such
// connection, the hub stops listening and listens again (its reconnect path), with the changes
// made in between.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventReader, openEventReader } from '../../helpers/event-reader.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { personClient } from '../../helpers/people.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { widgetClient } from '../../helpers/widget-client.ts';

const SITE = 'https://shop.example.com';
let nodeA: TestApp;
let nodeB: TestApp;
let base: string;
let ws: TestWorkspace;
let bot: string;
const open: EventReader[] = [];

beforeAll(async () => {
  // A database of its own on PostgreSQL: dropping LISTEN connections touches this file's only.
  nodeA = await startTestApp({}, { ownDatabase: true });
  nodeB = await nodeA.startPeer();
  await nodeA.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(nodeA.app.server.address() as AddressInfo).port}`;
  ws = await buildWorkspace(nodeA.context);
  const created = await nodeA.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Shop bot', widget_settings: { allowed_origins: [SITE] } },
  });
  expect(created.statusCode, created.body).toBe(201);
  bot = created.json().id;
  // Node B's first request of a kind is slower (nothing warm yet): paid here, not in a gap.
  const { conversationId } = await newConversation();
  const warm = await nodeB.request({
    method: 'POST',
    url: `/v1/conversations/${conversationId}/messages`,
    key: ws.liveKey,
    body: { content: 'warming up', author_name: 'Sam' },
  });
  expect(warm.statusCode, warm.body).toBe(201);
});
afterAll(async () => {
  for (const reader of open) reader.close();
  await nodeB?.close();
  await nodeA?.close();
});

async function reader(url: string, headers: Record<string, string>): Promise<EventReader> {
  const opened = await openEventReader(url, headers);
  open.push(opened);
  return opened;
}

/** Runs `change` while node A is not listening, then lets it listen again. */
async function whileNotListening(change: () => Promise<void>): Promise<void> {
  const { db, conversationHub } = nodeA.context;
  if (db.kind === 'postgres') {
    // Waits until the backends are gone: what is announced from here on never reaches them.
    const [dropped] = await db.query<{ count: number }>(
      `SELECT count(pg_terminate_backend(pid, 5000))::int AS count FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'`,
    );
    expect(dropped!.count).toBeGreaterThan(0);
    const started = Date.now();
    await change();
    // The listener reconnects a second after it noticed the drop: the change fell in the gap.
    expect(Date.now() - started).toBeLessThan(900);
  } else {
    await conversationHub.stop();
    await change();
    await conversationHub.start();
  }
}

async function newConversation() {
  const visitor = await widgetClient(nodeA, SITE).chat(bot, { message: 'My parcel never came' });
  expect(visitor.response.statusCode, visitor.response.body).toBe(200);
  return visitor;
}

describe('streams catch up on what was announced while their node was not listening', () => {
  it('a team stream opened without Last-Event-ID gets a message stored in the gap, and nothing older', async () => {
    const { conversationId } = await newConversation();
    const team = await reader(`${base}/v1/conversations/${conversationId}/events`, {
      authorization: `Bearer ${ws.liveKey}`,
    });
    await team.next((e) => e.event === 'conversation');

    let postedId = '';
    await whileNotListening(async () => {
      const posted = await nodeB.request({
        method: 'POST',
        url: `/v1/conversations/${conversationId}/messages`,
        key: ws.liveKey,
        body: { content: 'Sam here: it ships today.', author_name: 'Sam' },
      });
      expect(posted.statusCode, posted.body).toBe(201);
      postedId = posted.json().id;
    });

    // The first message the stream sends is the one stored in the gap, not the history.
    const message = await team.next((e) => e.event === 'message');
    expect(message.data).toMatchObject({ id: postedId, role: 'agent', content: 'Sam here: it ships today.' });

    // And it goes on live afterwards, sending each message once.
    const after = await nodeB.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Tracking number follows.', author_name: 'Sam' },
    });
    expect(after.statusCode, after.body).toBe(201);
    const next = await team.next((e) => e.event === 'message');
    expect(next.data).toMatchObject({ id: after.json().id });
  });

  it('the team’s and the widget’s streams get a state change made in the gap', async () => {
    const visitor = await newConversation();
    const team = await reader(`${base}/v1/conversations/${visitor.conversationId}/events`, {
      authorization: `Bearer ${ws.liveKey}`,
    });
    const widget = await reader(
      `${base}/public/v1/chatbots/${bot}/conversations/${visitor.conversationId}/events?token=${visitor.token}`,
      { origin: SITE },
    );
    expect((await team.next((e) => e.event === 'conversation')).data).toMatchObject({ status: 'open' });
    expect((await widget.next((e) => e.event === 'conversation')).data).toMatchObject({ status: 'open' });

    await whileNotListening(async () => {
      const closed = await nodeB.request({
        method: 'PATCH',
        url: `/v1/conversations/${visitor.conversationId}`,
        key: ws.liveKey,
        body: { status: 'closed' },
      });
      expect(closed.statusCode, closed.body).toBe(200);
    });

    expect((await team.next((e) => e.event === 'conversation')).data).toMatchObject({
      id: visitor.conversationId,
      status: 'closed',
    });
    expect((await widget.next((e) => e.event === 'conversation')).data).toMatchObject({
      id: visitor.conversationId,
      status: 'closed',
    });
  });

  it('a person’s stream gets an assignment and a mention made in the gap, once each', async () => {
    const people = personClient(nodeA);
    const agent = await people.signedIn(ws.id, 'agent');
    const owner = await people.signedIn(ws.id, 'owner');
    // Something that happened before the stream opened is not news to it.
    const earlier = await newConversation();
    const before = await owner.call('POST', `/v1/conversations/${earlier.conversationId}/notes`, {
      content: `@${agent.email} before you looked`,
    });
    expect(before.statusCode, before.body).toBe(201);

    const { conversationId } = await newConversation();
    const mine = await reader(`${base}/v1/me/events`, { cookie: agent.cookie });
    await mine.next((e) => e.event === 'ready');

    let noteId = '';
    await whileNotListening(async () => {
      const assigned = await nodeB.request({
        method: 'POST',
        url: `/v1/conversations/${conversationId}/assign`,
        key: ws.liveKey,
        body: { user_id: agent.id },
      });
      expect(assigned.statusCode, assigned.body).toBe(200);
      const note = await nodeB.request({
        method: 'POST',
        url: `/v1/conversations/${conversationId}/notes`,
        key: ws.liveKey,
        body: { content: `@${agent.email} please take this one`, author_name: 'Lead' },
      });
      expect(note.statusCode, note.body).toBe(201);
      noteId = note.json().id;
    });

    const first = await mine.next((e) => e.event === 'notification');
    expect(first.data).toMatchObject({
      type: 'conversation.assigned',
      environment: 'live',
      conversation: { id: conversationId, assignee_id: agent.id },
    });
    const second = await mine.next((e) => e.event === 'notification');
    expect(second.data).toMatchObject({ type: 'note.mentioned', note_id: noteId });

    // Live again: the next notice arrives, and nothing caught up came twice before it.
    const later = await nodeB.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/notes`,
      key: ws.liveKey,
      body: { content: `@${agent.email} and one more thing`, author_name: 'Lead' },
    });
    expect(later.statusCode, later.body).toBe(201);
    const third = await mine.next((e) => e.event === 'notification');
    expect(third.data).toMatchObject({ type: 'note.mentioned', note_id: later.json().id });
  });
});

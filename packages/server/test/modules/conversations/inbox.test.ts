// The inbox through the API: listing with every filter, one conversation, its messages, changes,
// deletion, and who may see what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let botA: string;
let botB: string;
beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ws = await buildWorkspace(t.context);
  botA = (await createTrainedBot(t, ws.liveKey, { name: 'A' })).id;
  botB = (
    await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.liveKey, body: { name: 'B' } })
  ).json().id;
});
afterAll(async () => {
  await t.close();
});

async function chat(botId: string, body: Record<string, unknown>, key = ws.liveKey) {
  const response = await t.request({ method: 'POST', url: `/v1/chatbots/${botId}/chat`, key, body });
  expect(response.statusCode).toBeLessThan(300);
  return response.json();
}

async function list(query: string, key = ws.liveKey) {
  const response = await t.request({ url: `/v1/conversations${query}`, key });
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe('GET /v1/conversations', () => {
  it('lists newest activity first, with the fields of each conversation, page by page', async () => {
    const first = await chat(botA, {
      message: 'How do I reset my password?',
      visitor: { email: 'Zoe@Example.com', name: 'Zoe' },
    });
    const second = await chat(botA, { message: 'How long does shipping take?' });
    // New activity moves the first conversation back to the top.
    await chat(botA, { message: 'And the refund policy?', conversation_id: first.conversation_id });
    const page = await list(`?chatbot_id=${botA}&page_size=1`);
    expect(page.data).toHaveLength(1);
    expect(page.has_more).toBe(true);
    expect(page.data[0]).toMatchObject({
      id: first.conversation_id,
      chatbot_id: botA,
      channel: 'api',
      status: 'open',
      mode: 'ai',
      customer_email: 'zoe@example.com',
      customer_name: 'Zoe',
      message_count: 4,
    });
    const next = await list(`?chatbot_id=${botA}&page_size=1&cursor=${page.next_cursor}`);
    expect(next.data[0].id).toBe(second.conversation_id);
    const bad = await t.request({ url: '/v1/conversations?cursor=nonsense', key: ws.liveKey });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.param).toBe('cursor');
  });

  it('with order=created, walks every conversation once while messages arrive mid-walk', async () => {
    const bot = (
      await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.liveKey, body: { name: 'Walk' } })
    ).json().id;
    const started: string[] = [];
    for (let i = 0; i < 5; i += 1)
      started.push((await chat(bot, { message: `Question ${i}` })).conversation_id);
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await list(
        `?chatbot_id=${bot}&order=created&page_size=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.data.map((row: { id: string }) => row.id));
      if (!page.has_more) break;
      cursor = page.next_cursor;
      // The oldest conversation gets a message: by activity it would jump above the cursor.
      await chat(bot, { message: 'One more thing', conversation_id: started[0] });
    }
    expect(seen).toEqual([...started].reverse());
    // A cursor of the other order is refused, not read as something else.
    const activity = await list(`?chatbot_id=${bot}&page_size=1`);
    const mixed = await t.request({
      url: `/v1/conversations?order=created&cursor=${activity.next_cursor}`,
      key: ws.liveKey,
    });
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().error.code).toBe('invalid_cursor');
  });

  it('filters by chatbot, status, mode, channel, email, updated_after and text', async () => {
    const onB = await chat(botB, {
      message: 'Is anyone there? My parcel 7731 is lost',
      visitor: { email: 'max@example.com' },
    });
    const closed = await chat(botB, { message: 'thanks, all good' });
    await t.request({
      method: 'PATCH',
      url: `/v1/conversations/${closed.conversation_id}`,
      key: ws.liveKey,
      body: { status: 'closed' },
    });
    const human = await chat(botB, { message: 'hello there' });
    await t.request({
      method: 'POST',
      url: `/v1/conversations/${human.conversation_id}/escalate`,
      key: ws.liveKey,
      body: {},
    });

    const ids = (page: { data: { id: string }[] }) => page.data.map((c) => c.id).sort();
    expect(ids(await list(`?chatbot_id=${botB}`))).toEqual(
      [onB.conversation_id, closed.conversation_id, human.conversation_id].sort(),
    );
    expect(ids(await list(`?chatbot_id=${botB}&status=closed`))).toEqual([closed.conversation_id]);
    expect(ids(await list(`?chatbot_id=${botB}&mode=human`))).toEqual([human.conversation_id]);
    expect(ids(await list('?email=MAX@example.com'))).toEqual([onB.conversation_id]);
    expect(ids(await list('?q=parcel%207731'))).toEqual([onB.conversation_id]);
    expect((await list(`?chatbot_id=${botB}&channel=widget`)).data).toEqual([]);
    expect((await list(`?chatbot_id=${botB}&channel=api`)).data).toHaveLength(3);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await list(`?updated_after=${future}`)).data).toEqual([]);
    const past = new Date(Date.now() - 600_000).toISOString();
    expect((await list(`?chatbot_id=${botB}&updated_after=${past}`)).data).toHaveLength(3);

    const badStatus = await t.request({ url: '/v1/conversations?status=pending', key: ws.liveKey });
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().error.param).toBe('status');
    const badBot = await t.request({ url: '/v1/conversations?chatbot_id=src_123', key: ws.liveKey });
    expect(badBot.json().error).toMatchObject({ code: 'invalid_id', param: 'chatbot_id' });
    const badDate = await t.request({ url: '/v1/conversations?updated_after=yesterday', key: ws.liveKey });
    expect(badDate.statusCode).toBe(400);
  });
});

describe('one conversation', () => {
  it('reads it and its messages oldest first, with roles, content and sources', async () => {
    const first = await chat(botA, { message: 'How long do I have to ask for a refund?' });
    await chat(botA, { message: 'How do I reset my password?', conversation_id: first.conversation_id });
    const got = await t.request({ url: `/v1/conversations/${first.conversation_id}`, key: ws.liveKey });
    expect(got.json()).toMatchObject({ id: first.conversation_id, message_count: 4 });
    const messages = (
      await t.request({
        url: `/v1/conversations/${first.conversation_id}/messages?page_size=3`,
        key: ws.liveKey,
      })
    ).json();
    expect(messages.data.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages.data[0].content).toBe('How long do I have to ask for a refund?');
    expect(messages.data[1].sources_used[0].title).toBe('Refund policy');
    expect(messages.has_more).toBe(true);
    const rest = (
      await t.request({
        url: `/v1/conversations/${first.conversation_id}/messages?cursor=${messages.next_cursor}`,
        key: ws.liveKey,
      })
    ).json();
    expect(rest.data.map((m: { role: string }) => m.role)).toEqual(['assistant']);
  });

  it('changes status, assignee and metadata; closing emits conversation.closed once', async () => {
    const c = await chat(botA, { message: 'hello' });
    const patched = await t.request({
      method: 'PATCH',
      url: `/v1/conversations/${c.conversation_id}`,
      key: ws.liveKey,
      body: { status: 'closed', assignee: 'agent-7', metadata: { ticket: 'T-1' } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      status: 'closed',
      assignee: 'agent-7',
      metadata: { ticket: 'T-1' },
    });
    await t.request({
      method: 'PATCH',
      url: `/v1/conversations/${c.conversation_id}`,
      key: ws.liveKey,
      body: { status: 'closed' },
    });
    const closedEvents = await t.context.db.query(
      `SELECT id FROM events WHERE type = 'conversation.closed' AND data->>'id' = $1`,
      [c.conversation_id],
    );
    expect(closedEvents).toHaveLength(1);
    // The visitor writing again opens it.
    await chat(botA, { message: 'one more thing', conversation_id: c.conversation_id });
    expect(
      (await t.request({ url: `/v1/conversations/${c.conversation_id}`, key: ws.liveKey })).json().status,
    ).toBe('open');

    const empty = await t.request({
      method: 'PATCH',
      url: `/v1/conversations/${c.conversation_id}`,
      key: ws.liveKey,
      body: {},
    });
    expect(empty.statusCode).toBe(400);
    const bad = await t.request({
      method: 'PATCH',
      url: `/v1/conversations/${c.conversation_id}`,
      key: ws.liveKey,
      body: { status: 'archived' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('deletes a conversation with its messages and its events in the log', async () => {
    const c = await chat(botA, { message: 'hello, my card ends in 4242' });
    const kept = await chat(botA, { message: 'another conversation' });
    const logged = async () =>
      JSON.stringify((await t.request({ url: '/v1/events?page_size=100', key: ws.liveKey })).json().data);
    expect(await logged()).toContain('my card ends in 4242');
    const deleted = await t.request({
      method: 'DELETE',
      url: `/v1/conversations/${c.conversation_id}`,
      key: ws.liveKey,
    });
    expect(deleted.json()).toEqual({ id: c.conversation_id, deleted: true });
    expect(
      (await t.request({ url: `/v1/conversations/${c.conversation_id}`, key: ws.liveKey })).statusCode,
    ).toBe(404);
    const rows = await t.context.db.query(`SELECT id FROM messages WHERE id = $1`, [
      decodeId('msg', c.message_id, 'id'),
    ]);
    expect(rows).toEqual([]);
    // The log no longer shows what was erased; the other conversation's events stay.
    const log = await logged();
    expect(log).not.toContain('my card ends in 4242');
    expect(log).not.toContain(c.conversation_id);
    expect(log).toContain(kept.conversation_id);
    expect(
      (await t.request({ method: 'DELETE', url: `/v1/conversations/${c.conversation_id}`, key: ws.liveKey }))
        .statusCode,
    ).toBe(404);
  });

  it('keeps other workspaces and the other environment out of every endpoint', async () => {
    const c = await chat(botA, { message: 'hello' });
    const other = await buildWorkspace(t.context);
    const urls = [
      { url: `/v1/conversations/${c.conversation_id}` },
      { url: `/v1/conversations/${c.conversation_id}/messages` },
      { method: 'PATCH' as const, url: `/v1/conversations/${c.conversation_id}`, body: { status: 'closed' } },
      {
        method: 'POST' as const,
        url: `/v1/conversations/${c.conversation_id}/messages`,
        body: { content: 'hi' },
      },
      { method: 'POST' as const, url: `/v1/conversations/${c.conversation_id}/escalate`, body: {} },
      { method: 'DELETE' as const, url: `/v1/conversations/${c.conversation_id}` },
    ];
    for (const request of urls) {
      expect((await t.request({ ...request, key: other.liveKey })).statusCode).toBe(404);
      expect((await t.request({ ...request, key: ws.testKey })).statusCode).toBe(404);
      expect((await t.request({ ...request })).statusCode).toBe(401);
    }
    expect((await list('', other.liveKey)).data).toEqual([]);
    expect((await list('', ws.testKey)).data).toEqual([]);
    expect(
      (await t.request({ url: '/v1/conversations/msg_01jdz6qg0ef8s9cm8y0d7sv9k2', key: ws.liveKey }))
        .statusCode,
    ).toBe(400);
    // Still there for its owner.
    expect(
      (await t.request({ url: `/v1/conversations/${c.conversation_id}`, key: ws.liveKey })).json().status,
    ).toBe('open');
  });
});

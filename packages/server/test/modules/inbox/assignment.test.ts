// Assignment: by hand and round-robin among people who are online, up to each one's capacity,
// run again when a conversation joins the queue, a person comes online or a place frees; and the
// inbox statuses (open, pending, snoozed, resolved) on top of status and mode.
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { type Person, personClient } from '../../helpers/people.ts';
import { startTestApp } from '../../helpers/test-app.ts';

const t = await startTestApp();
afterAll(() => t.close());
const people = personClient(t);

async function newBot(ws: TestWorkspace): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Bot' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

/** A visitor's conversation with the bot; `message` continues one. */
async function visitorSays(ws: TestWorkspace, bot: string, message: string, conversation?: string) {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${bot}/chat`,
    key: ws.liveKey,
    body: { message, ...(conversation ? { conversation_id: conversation } : {}) },
  });
  // 202 when people have the conversation: the bot stays quiet.
  expect([200, 202], response.body).toContain(response.statusCode);
  return response.json().conversation_id as string;
}

async function waitingForPerson(ws: TestWorkspace, bot: string): Promise<string> {
  const id = await visitorSays(ws, bot, 'Where is my order?');
  const escalated = await t.request({
    method: 'POST',
    url: `/v1/conversations/${id}/escalate`,
    key: ws.liveKey,
  });
  expect(escalated.statusCode, escalated.body).toBe(200);
  return id;
}

async function conversation(ws: TestWorkspace, id: string) {
  return (await t.request({ url: `/v1/conversations/${id}`, key: ws.liveKey })).json();
}

async function online(person: Person, capacity: number, owner: Person): Promise<void> {
  expect((await owner.call('PATCH', `/v1/users/${person.id}`, { capacity })).statusCode).toBe(200);
  expect((await person.call('PATCH', '/v1/me', { availability: 'online' })).statusCode).toBe(200);
}

describe('assigning by hand', () => {
  it('assigns to a person of the workspace, emits conversation.assigned, and refuses strangers', async () => {
    const ws = await buildWorkspace(t.context);
    const other = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const agent = await people.signedIn(ws.id, 'agent');
    const stranger = await people.signedIn(other.id, 'agent');
    const bot = await newBot(ws);
    const id = await visitorSays(ws, bot, 'Hello');

    const assigned = await owner.call('POST', `/v1/conversations/${id}/assign`, { user_id: agent.id });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json().assignee_id).toBe(agent.id);
    const events = (
      await t.request({ url: '/v1/events?type=conversation.assigned', key: ws.liveKey })
    ).json();
    expect(events.data).toHaveLength(1);
    expect(events.data[0].data).toMatchObject({ id, assignee_id: agent.id, assigned_by: 'manual' });

    for (const user_id of [stranger.id, 'usr_01jdz6qg0ef8s9cm8y0d7sv9k2']) {
      const refused = await owner.call('POST', `/v1/conversations/${id}/assign`, { user_id });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toMatchObject({ code: 'unknown_user', param: 'user_id' });
    }
    // A malformed id, the empty one too, is refused: only null sends the conversation to the queue.
    for (const user_id of ['bot_123', '']) {
      const malformed = await owner.call('POST', `/v1/conversations/${id}/assign`, { user_id });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error).toMatchObject({ code: 'invalid_id', param: 'user_id' });
    }
    expect((await conversation(ws, id)).assignee_id).toBe(agent.id);

    const queued = await agent.call('POST', `/v1/conversations/${id}/assign`, { user_id: null });
    expect(queued.json().assignee_id).toBeNull();
    const mine = await t.request({ url: `/v1/conversations?assignee_id=none`, key: ws.liveKey });
    expect(mine.json().data.map((c: { id: string }) => c.id)).toEqual([id]);
  });

  it('gives a conversation nobody has to the person who answers it, signed with their name', async () => {
    const ws = await buildWorkspace(t.context);
    const agent = await people.signedIn(ws.id, 'agent');
    const bot = await newBot(ws);
    const id = await visitorSays(ws, bot, 'Hello');
    // Signed with the person's own name (here their email: they set no name), whatever the body says.
    const reply = await agent.call('POST', `/v1/conversations/${id}/messages`, {
      content: 'Hi, Ana here.',
      author_name: 'Ben (Manager)',
    });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json().author_name).toBe(agent.email);
    expect(await conversation(ws, id)).toMatchObject({
      assignee_id: agent.id,
      mode: 'human',
      inbox_status: 'open',
    });
  });

  it('keeps it with the first of two people who answer it at once', async () => {
    const ws = await buildWorkspace(t.context);
    const [kim, sam] = [await people.signedIn(ws.id, 'agent'), await people.signedIn(ws.id, 'agent')];
    const bot = await newBot(ws);
    const id = await visitorSays(ws, bot, 'Hello');
    const replies = await Promise.all(
      [kim, sam].map((person) => person.call('POST', `/v1/conversations/${id}/messages`, { content: 'Hi!' })),
    );
    expect(replies.map((reply) => reply.statusCode)).toEqual([201, 201]);
    const events = (await t.request({ url: '/v1/events?type=conversation.assigned', key: ws.liveKey })).json()
      .data as { data: { assignee_id: string; previous_assignee_id: string | null } }[];
    expect(events).toHaveLength(1);
    expect(events[0]!.data.previous_assignee_id).toBeNull();
    expect([kim.id, sam.id]).toContain(events[0]!.data.assignee_id);
    expect((await conversation(ws, id)).assignee_id).toBe(events[0]!.data.assignee_id);
  });
});

describe('round-robin', () => {
  it('spreads the queue over online people up to their capacity, and moves on as they free up or come online', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const ana = await people.signedIn(ws.id, 'agent');
    const ben = await people.signedIn(ws.id, 'agent');
    const cleo = await people.signedIn(ws.id, 'agent');
    const dan = await people.signedIn(ws.id, 'agent');
    await online(ana, 2, owner);
    await online(ben, 1, owner);
    // Away: never given conversations.
    expect((await dan.call('PATCH', '/v1/me', { availability: 'away' })).statusCode).toBe(200);
    const bot = await newBot(ws);

    const first = await waitingForPerson(ws, bot);
    const second = await waitingForPerson(ws, bot);
    const third = await waitingForPerson(ws, bot);
    const fourth = await waitingForPerson(ws, bot);
    const assignees = async (ids: string[]) =>
      Promise.all(ids.map(async (id) => (await conversation(ws, id)).assignee_id));
    // The least loaded first, then whoever waited longest: Ana, Ben, Ana; then both are full.
    expect(await assignees([first, second, third, fourth])).toEqual([ana.id, ben.id, ana.id, null]);
    const queue = await t.request({
      url: '/v1/conversations?assignee_id=none&inbox_status=open',
      key: ws.liveKey,
    });
    expect(queue.json().data.map((c: { id: string }) => c.id)).toEqual([fourth]);

    // Ana resolves one: her place goes to the conversation waiting.
    const resolved = await ana.call('PATCH', `/v1/conversations/${first}`, { inbox_status: 'resolved' });
    expect(resolved.json()).toMatchObject({
      status: 'closed',
      inbox_status: 'resolved',
      assignee_id: ana.id,
    });
    expect((await conversation(ws, fourth)).assignee_id).toBe(ana.id);

    // Everyone is full again: the next one waits until Cleo comes online.
    const fifth = await waitingForPerson(ws, bot);
    expect((await conversation(ws, fifth)).assignee_id).toBeNull();
    expect((await cleo.call('PATCH', '/v1/me', { availability: 'online' })).statusCode).toBe(200);
    expect((await conversation(ws, fifth)).assignee_id).toBe(cleo.id);

    // Raising a capacity lets the queue move too.
    const sixth = await waitingForPerson(ws, bot);
    await owner.call('PATCH', `/v1/users/${cleo.id}`, { capacity: 0 });
    const seventh = await waitingForPerson(ws, bot);
    expect((await conversation(ws, sixth)).assignee_id).toBe(cleo.id);
    expect((await conversation(ws, seventh)).assignee_id).toBeNull();
    await owner.call('PATCH', `/v1/users/${ben.id}`, { capacity: 2 });
    expect((await conversation(ws, seventh)).assignee_id).toBe(ben.id);
    const events = (
      await t.request({ url: '/v1/events?type=conversation.assigned&page_size=100', key: ws.liveKey })
    ).json();
    expect(
      events.data.filter((e: { data: { assigned_by: string } }) => e.data.assigned_by === 'round_robin'),
    ).toHaveLength(7);
    for (const id of [first, second, third, fourth, fifth, sixth, seventh]) {
      expect((await conversation(ws, id)).assignee_id).not.toBe(dan.id);
    }
  });

  it('leaves the bot’s conversations and the other environment alone', async () => {
    const ws = await buildWorkspace(t.context);
    const agent = await people.signedIn(ws.id, 'agent');
    expect((await agent.call('PATCH', '/v1/me', { availability: 'online' })).statusCode).toBe(200);
    const bot = await newBot(ws);
    const withBot = await visitorSays(ws, bot, 'Hello');
    expect(await conversation(ws, withBot)).toMatchObject({ inbox_status: 'pending', assignee_id: null });
    const testBot = (
      await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.testKey, body: { name: 'T' } })
    ).json().id;
    const testChat = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${testBot}/chat`,
      key: ws.testKey,
      body: { message: 'Hi' },
    });
    const testId = testChat.json().conversation_id;
    await t.request({ method: 'POST', url: `/v1/conversations/${testId}/escalate`, key: ws.testKey });
    // The test environment's queue has its own round-robin, with the same people.
    const testConversation = (
      await t.request({ url: `/v1/conversations/${testId}`, key: ws.testKey })
    ).json();
    expect(testConversation.assignee_id).toBe(agent.id);
  });
});

describe('inbox statuses', () => {
  it('snoozes until a time, wakes on a visitor’s message, and reopens a resolved one the same way', async () => {
    const ws = await buildWorkspace(t.context);
    const agent = await people.signedIn(ws.id, 'agent');
    const bot = await newBot(ws);
    const id = await waitingForPerson(ws, bot);
    expect((await conversation(ws, id)).inbox_status).toBe('open');

    const noTime = await agent.call('PATCH', `/v1/conversations/${id}`, { inbox_status: 'snoozed' });
    expect(noTime.statusCode).toBe(400);
    expect(noTime.json().error.code).toBe('snooze_needs_time');
    const both = await agent.call('PATCH', `/v1/conversations/${id}`, {
      inbox_status: 'open',
      status: 'open',
    });
    expect(both.json().error.code).toBe('conflicting_fields');
    expect((await conversation(ws, id)).inbox_status).toBe('open');

    const until = new Date(Date.now() + 3600_000).toISOString();
    const snoozed = await agent.call('PATCH', `/v1/conversations/${id}`, {
      inbox_status: 'snoozed',
      snoozed_until: until,
    });
    expect(snoozed.json()).toMatchObject({ inbox_status: 'snoozed', snoozed_until: until, status: 'open' });
    const list = await t.request({ url: '/v1/conversations?inbox_status=snoozed', key: ws.liveKey });
    expect(list.json().data.map((c: { id: string }) => c.id)).toEqual([id]);

    await visitorSays(ws, bot, 'Any news?', id);
    expect(await conversation(ws, id)).toMatchObject({ inbox_status: 'open', snoozed_until: null });

    await agent.call('PATCH', `/v1/conversations/${id}`, { inbox_status: 'resolved' });
    expect((await conversation(ws, id)).inbox_status).toBe('resolved');
    await visitorSays(ws, bot, 'One more thing', id);
    expect((await conversation(ws, id)).inbox_status).toBe('open');

    const pending = await agent.call('PATCH', `/v1/conversations/${id}`, { inbox_status: 'pending' });
    expect(pending.json()).toMatchObject({ mode: 'ai', status: 'open', inbox_status: 'pending' });
  });
});

// Presence: a person idle past the set time (no request, no open notification stream) goes
// offline; the open conversations of a person offline past the set time return to the queue,
// where round-robin gives them to someone online with room. Time is not waited for: people's
// last activity is moved back in the database, then the sweep runs.
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { type EventReader, openEventReader } from '../../helpers/event-reader.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { type Person, personClient } from '../../helpers/people.ts';
import { startTestApp } from '../../helpers/test-app.ts';

const t = await startTestApp();
const people = personClient(t);
let base: string;
const open: EventReader[] = [];

beforeAll(async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const reader of open) reader.close();
  await t.close();
});

/** The person was last seen, and last changed availability, this many seconds ago. */
async function lastActive(person: Person, secondsAgo: number): Promise<void> {
  const at = new Date(Date.now() - secondsAgo * 1000);
  await t.context.db.orm.execute(
    sql`UPDATE users SET last_seen_at = ${at}, availability_changed_at = ${at} WHERE id = ${decodeId('usr', person.id, 'user_id')}`,
  );
}

async function availabilityOf(owner: Person, person: Person): Promise<string> {
  const response = await owner.call('GET', `/v1/users/${person.id}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().availability;
}

async function online(owner: Person, person: Person, capacity = 5): Promise<void> {
  expect((await owner.call('PATCH', `/v1/users/${person.id}`, { capacity })).statusCode).toBe(200);
  expect((await person.call('PATCH', '/v1/me', { availability: 'online' })).statusCode).toBe(200);
}

async function waitingForPerson(ws: TestWorkspace, bot: string): Promise<string> {
  const said = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${bot}/chat`,
    key: ws.liveKey,
    body: { message: 'Where is my order?' },
  });
  const id = said.json().conversation_id as string;
  const escalated = await t.request({
    method: 'POST',
    url: `/v1/conversations/${id}/escalate`,
    key: ws.liveKey,
  });
  expect(escalated.statusCode, escalated.body).toBe(200);
  return id;
}

async function assigneeOf(ws: TestWorkspace, id: string): Promise<string | null> {
  return (await t.request({ url: `/v1/conversations/${id}`, key: ws.liveKey })).json().assignee_id;
}

async function newBot(ws: TestWorkspace): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Bot' },
  });
  return response.json().id;
}

const IDLE = t.config.presence.idleOfflineSeconds;
const REQUEUE = t.config.presence.offlineRequeueSeconds;

describe('going offline when idle', () => {
  it('sets offline a person idle past the set time, not one whose notification stream is open or who just chose', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const idle = await people.signedIn(ws.id, 'agent');
    const watching = await people.signedIn(ws.id, 'agent');
    const away = await people.signedIn(ws.id, 'agent');
    const chose = await people.signedIn(ws.id, 'agent');
    for (const person of [idle, watching, chose]) await online(owner, person);
    expect((await away.call('PATCH', '/v1/me', { availability: 'away' })).statusCode).toBe(200);
    for (const person of [idle, watching, away, chose]) await lastActive(person, IDLE + 60);

    // An open notification stream is a person at their console.
    const stream = await openEventReader(`${base}/v1/me/events`, { cookie: watching.cookie });
    open.push(stream);
    await stream.next((e) => e.event === 'ready');
    // Choosing an availability is activity too.
    expect((await chose.call('PATCH', '/v1/me', { availability: 'online' })).statusCode).toBe(200);

    await t.context.presence.sweep();
    expect(await availabilityOf(owner, idle)).toBe('offline');
    expect(await availabilityOf(owner, away)).toBe('offline');
    expect(await availabilityOf(owner, watching)).toBe('online');
    expect(await availabilityOf(owner, chose)).toBe('online');
  });

  it('leaves a person seen within the set time online', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const agent = await people.signedIn(ws.id, 'agent');
    await online(owner, agent);
    await lastActive(agent, IDLE - 60);
    await t.context.presence.sweep();
    expect(await availabilityOf(owner, agent)).toBe('online');
  });
});

describe('conversations of people who went offline', () => {
  it('return to the queue after the set time and go round-robin to someone online with room', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const leaving = await people.signedIn(ws.id, 'agent');
    const staying = await people.signedIn(ws.id, 'agent');
    const bot = await newBot(ws);
    await online(owner, leaving, 2);
    const closed = await waitingForPerson(ws, bot);
    const second = await waitingForPerson(ws, bot);
    expect(await assigneeOf(ws, closed)).toBe(leaving.id);
    expect(await assigneeOf(ws, second)).toBe(leaving.id);
    // Resolving one frees a place, which the third conversation takes.
    const third = await waitingForPerson(ws, bot);
    const freed = await t.request({
      method: 'PATCH',
      url: `/v1/conversations/${closed}`,
      key: ws.liveKey,
      body: { status: 'closed' },
    });
    expect(freed.statusCode, freed.body).toBe(200);
    expect(await assigneeOf(ws, third)).toBe(leaving.id);

    // Idle: offline, but their conversations wait for them for the set time.
    await lastActive(leaving, IDLE + 60);
    await t.context.presence.sweep();
    expect(await availabilityOf(owner, leaving)).toBe('offline');
    expect(await assigneeOf(ws, second)).toBe(leaving.id);

    await online(owner, staying, 1);
    // Offline past the requeue time: the open conversations go back (the resolved one stays
    // theirs) and round-robin hands them out; the one beyond the capacity of who is online waits.
    await lastActive(leaving, IDLE + REQUEUE + 60);
    const swept = await t.context.presence.sweep();
    expect(swept.returned).toBeGreaterThanOrEqual(2);
    expect(await assigneeOf(ws, closed)).toBe(leaving.id);
    const reassigned = [await assigneeOf(ws, second), await assigneeOf(ws, third)];
    expect(reassigned.sort()).toEqual([null, staying.id].sort());

    const events = (
      await t.request({ url: '/v1/events?type=conversation.assigned&page_size=100', key: ws.liveKey })
    ).json();
    const back = events.data.filter(
      (event: { data: { assigned_by: string } }) => event.data.assigned_by === 'offline',
    );
    expect(back).toHaveLength(2);
    expect(back[0].data).toMatchObject({ assignee_id: null, previous_assignee_id: leaving.id });
    // Nothing more to return on the next sweep.
    await t.context.presence.sweep();
    expect(
      (
        await t.request({ url: '/v1/events?type=conversation.assigned&page_size=100', key: ws.liveKey })
      ).json().data,
    ).toHaveLength(events.data.length);
  });
});

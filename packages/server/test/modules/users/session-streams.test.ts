// A session's open event streams end with it: signing out ends that session's streams (and no
// other's), signing out everywhere, a password reset and removing the person end all of theirs,
// on whichever node the stream is open.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventReader, openEventReader } from '../../helpers/event-reader.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { PASSWORD, type Person, personClient } from '../../helpers/people.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { widgetClient } from '../../helpers/widget-client.ts';

const SITE = 'https://shop.example.com';
const t = await startTestApp();
const people = personClient(t);
const { chat } = widgetClient(t, SITE);
let peer: TestApp;
let base: string;
let peerBase: string;
let ws: TestWorkspace;
let owner: Person;
let conversationId: string;
const open: EventReader[] = [];

async function listen(app: TestApp): Promise<string> {
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  peer = await t.startPeer();
  base = await listen(t);
  peerBase = await listen(peer);
  ws = await buildWorkspace(t.context);
  owner = await people.signedIn(ws.id, 'owner');
  const bot = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Shop bot', widget_settings: { allowed_origins: [SITE] } },
  });
  const visitor = await chat(bot.json().id, { message: 'Where is my parcel?' });
  expect(visitor.response.statusCode, visitor.response.body).toBe(200);
  conversationId = visitor.conversationId;
});
afterAll(async () => {
  for (const reader of open) reader.close();
  await peer.close();
  await t.close();
});

/** The person's notification stream and a conversation's stream, opened with their session. */
async function streamsOf(person: Person, at = base) {
  const headers = { cookie: person.cookie };
  const mine = await openEventReader(`${at}/v1/me/events`, headers);
  await mine.next((e) => e.event === 'ready');
  const conversation = await openEventReader(`${at}/v1/conversations/${conversationId}/events`, headers);
  open.push(mine, conversation);
  return [mine, conversation];
}

/** The stream says the session has ended, then ends. */
async function endsWithSession(reader: EventReader) {
  const ended = await reader.next((e) => e.event === 'error');
  expect(ended.data).toMatchObject({ error: { type: 'authentication_error', code: 'session_expired' } });
  await expect(reader.next(() => true)).rejects.toThrow('the stream ended');
}

/** The stream is still open: it hears of an assignment to its person. */
async function stillOpen(reader: EventReader, person: Person) {
  const assigned = await owner.call('POST', `/v1/conversations/${conversationId}/assign`, {
    user_id: person.id,
  });
  expect(assigned.statusCode, assigned.body).toBe(200);
  const notice = await reader.next((e) => e.event === 'notification');
  expect(notice.data).toMatchObject({ type: 'conversation.assigned' });
  await owner.call('POST', `/v1/conversations/${conversationId}/assign`, { user_id: null });
}

describe('ending a session ends its streams', () => {
  it('signing out ends this session’s streams, on this node and others, and no other session’s', async () => {
    const agent = await people.signedIn(ws.id, 'agent');
    const laptop = await people.session(agent.email, PASSWORD);
    const here = await streamsOf(agent);
    const elsewhere = await streamsOf(agent, peerBase);
    const [laptopStream] = await streamsOf(laptop);

    const signedOut = await agent.call('DELETE', '/v1/sessions/current');
    expect(signedOut.statusCode, signedOut.body).toBe(200);
    for (const reader of [...here, ...elsewhere]) await endsWithSession(reader);
    await stillOpen(laptopStream!, laptop);
    // The ended session opens no new stream.
    const refused = await fetch(`${base}/v1/me/events`, { headers: { cookie: agent.cookie } });
    expect(refused.status).toBe(401);
  });

  it('signing out everywhere ends every stream of the person', async () => {
    const agent = await people.signedIn(ws.id, 'agent');
    const phone = await people.session(agent.email, PASSWORD);
    const streams = [...(await streamsOf(agent)), ...(await streamsOf(phone, peerBase))];
    const colleague = await people.signedIn(ws.id, 'agent');
    const [colleagueStream] = await streamsOf(colleague);

    const everywhere = await phone.call('DELETE', '/v1/sessions');
    expect(everywhere.statusCode, everywhere.body).toBe(200);
    expect(everywhere.json()).toEqual({ signed_out: 2 });
    for (const reader of streams) await endsWithSession(reader);
    await stillOpen(colleagueStream!, colleague);
  });

  it('a password reset and removing the person end their streams', async () => {
    const reset = await people.signedIn(ws.id, 'agent');
    const [resetStream] = await streamsOf(reset, peerBase);
    const link = await owner.call('POST', `/v1/users/${reset.id}/password-reset`);
    expect(link.statusCode, link.body).toBe(201);
    const confirmed = await people.post('/v1/password-resets/confirm', {
      token: link.json().token,
      password: 'another good password',
    });
    expect(confirmed.statusCode, confirmed.body).toBe(201);
    await endsWithSession(resetStream!);

    const removed = await people.signedIn(ws.id, 'agent');
    const streams = await streamsOf(removed);
    const deleted = await owner.call('DELETE', `/v1/users/${removed.id}`);
    expect(deleted.statusCode, deleted.body).toBe(200);
    for (const reader of streams) await endsWithSession(reader);
  });
});

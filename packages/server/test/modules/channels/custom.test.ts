// Custom channels end to end against a local receiver: connecting with one call (the secret made
// by Parley and shown once), the signed test call as the handshake, inbound messages signed with
// Standard Webhooks answered from knowledge by a signed POST to the channel's URL, a message
// delivered twice answered once, bad or stale signatures refused, handoff with the agent's reply
// delivered, retries like webhooks, and a receiver refusing the signature announced once.
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '../../fakes/webhook-receiver.ts';
import {
  agentSays,
  channelEvents,
  eventsOf,
  expectDisconnectedOnce,
  expectReconnected,
  inboundStatus,
  PUBLIC_URL,
  SHIPPING_URL,
  SOON,
  startChannelApp,
} from './channel-fixtures.ts';

const peer = await startWebhookReceiver('/parley/replies');
const { t, ws, bot, close } = await startChannelApp({
  PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
  PARLEY_WEBHOOK_RETRY_DELAYS: '1,1,1',
});
afterAll(async () => {
  await close();
  await peer.close();
});

let channelId = '';
let secret = '';
let conversationId = '';
let nextMessage = 0;

/** A message as the peer signs it (Standard Webhooks), at `at` (default now). */
function signedMessage(
  body: Record<string, unknown>,
  options: { secret?: string; at?: Date; id?: string } = {},
) {
  nextMessage += 1;
  const id = options.id ?? `msg_peer_${nextMessage}`;
  const raw = JSON.stringify(body);
  const at = options.at ?? new Date();
  return {
    id,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(options.secret ?? secret).sign(id, at, raw),
    },
    raw,
  };
}

function deliver(message: { headers: Record<string, string>; raw: string }) {
  return t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}`,
    body: message.raw,
    headers: message.headers,
  });
}

const ada = { id: 'u-42', name: 'Ada Lovelace', email: 'ada@example.com' };
/** What the peer received that is a reply (not a test call), parsed after checking its signature. */
function replies() {
  return peer.requests
    .filter((request) => request.json?.type === 'message.created')
    .map((request) => {
      new Webhook(secret).verify(request.body, request.headers);
      return request.json.data as Record<string, unknown>;
    });
}

describe('a custom channel', () => {
  it('refuses a channel without a URL, or with a secret that is not whsec_, and stores nothing', async () => {
    for (const [body, param] of [
      [{ type: 'custom' }, 'url'],
      [{ type: 'custom', url: peer.url, secret: 'plain-password-that-is-long-enough' }, 'secret'],
    ] as const) {
      const response = await t.request({
        method: 'POST',
        url: `/v1/chatbots/${bot}/channels`,
        key: ws.liveKey,
        body,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.param).toBe(param);
    }
    expect((await t.request({ url: `/v1/chatbots/${bot}/channels`, key: ws.liveKey })).json().data).toEqual(
      [],
    );
  });

  it('connects with one call, shows the secret it made once, and passes the signed test call', async () => {
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { type: 'custom', url: peer.url, name: 'Help desk' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const channel = response.json();
    channelId = channel.id;
    secret = channel.secret;
    expect(secret).toMatch(/^whsec_/);
    expect(channel).toMatchObject({
      type: 'custom',
      status: 'active',
      webhook_url: `${PUBLIC_URL}/hooks/channels/${channelId}`,
      credentials: { secret: true },
      settings: { url: peer.url },
    });
    const got = await t.request({ url: `/v1/channels/${channelId}`, key: ws.liveKey });
    expect(got.body).not.toContain(secret);
    expect(got.json().secret).toBeUndefined();

    const tested = await t.request({
      method: 'POST',
      url: `/v1/channels/${channelId}/test`,
      key: ws.liveKey,
    });
    expect(tested.json()).toEqual({ ok: true, error: null });
    const ping = peer.requests.at(-1)!;
    expect(() => new Webhook(secret).verify(ping.body, ping.headers)).not.toThrow();
    expect(ping.json).toMatchObject({ type: 'channel.test', data: { channel_id: channelId } });
    expect((await eventsOf(t, ws.liveKey, 'channel.connected')).map((event) => event.data.id)).toEqual([
      channelId,
    ]);
  });

  it('answers a signed message from knowledge with a signed POST to the channel’s URL', async () => {
    const message = signedMessage({
      thread_id: 'ticket-7',
      text: 'How long do parcels to Iceland take?',
      user: ada,
    });
    const response = await deliver(message);
    expect(response.statusCode, response.body).toBe(200);
    await expect.poll(() => replies().length, SOON).toBe(1);
    const [reply] = replies();
    expect(reply).toMatchObject({ channel_id: channelId, thread_id: 'ticket-7', role: 'assistant' });
    expect(reply!.text).toContain('9 business days');
    expect(reply!.sources).toEqual([SHIPPING_URL]);

    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, message.id), SOON).toBe('processed');
    conversationId = reply!.conversation_id as string;
    const conversation = (
      await t.request({ url: `/v1/conversations/${conversationId}`, key: ws.liveKey })
    ).json();
    expect(conversation).toMatchObject({
      channel: 'custom',
      visitor_id: 'custom:u-42',
      customer_name: 'Ada Lovelace',
      customer_email: 'ada@example.com',
    });
  });

  it('answers a message delivered twice (one webhook-id) once, in the same conversation', async () => {
    const sent = replies().length;
    const message = signedMessage({
      thread_id: 'ticket-7',
      text: 'What does express delivery cost?',
      user: ada,
    });
    expect((await deliver(message)).statusCode).toBe(200);
    expect((await deliver(message)).statusCode).toBe(200);
    await expect.poll(() => replies().length, SOON).toBe(sent + 1);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0]!.status, SOON)
      .toBe('sent');
    expect(replies()).toHaveLength(sent + 1);
    expect(replies().at(-1)!.conversation_id).toBe(conversationId);
    const rows = await channelEvents(t, ws.liveKey, channelId);
    expect(rows.filter((row) => row.platform_message_id === message.id)).toHaveLength(1);
  });

  it.each([
    ['another secret', { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
    ['a timestamp six minutes old', { at: new Date(Date.now() - 6 * 60_000) }],
  ])('refuses a message signed with %s with 403, and stores nothing', async (_name, options) => {
    const before = (await channelEvents(t, ws.liveKey, channelId)).length;
    const response = await deliver(signedMessage({ thread_id: 'ticket-7', text: 'Let me in' }, options));
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ type: 'permission_error' });
    const unsigned = await t.request({
      method: 'POST',
      url: `/hooks/channels/${channelId}`,
      body: { thread_id: 'ticket-7', text: 'No signature' },
    });
    expect(unsigned.statusCode).toBe(403);
    expect(await channelEvents(t, ws.liveKey, channelId)).toHaveLength(before);
  });

  it('stays quiet once a human has the conversation, and delivers the agent’s reply', async () => {
    const sent = replies().length;
    const escalated = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/escalate`,
      key: ws.liveKey,
      body: {},
    });
    expect(escalated.statusCode, escalated.body).toBe(200);
    await expect.poll(() => replies().length, SOON).toBe(sent + 1);
    expect(replies().at(-1)).toMatchObject({ role: 'system', thread_id: 'ticket-7' });

    const waiting = signedMessage({ thread_id: 'ticket-7', text: 'Is anyone there?', user: ada });
    expect((await deliver(waiting)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, waiting.id), SOON).toBe('processed');
    expect(replies()).toHaveLength(sent + 1);

    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Hi Ada, Grace from support here.' },
    });
    expect(agent.statusCode, agent.body).toBe(201);
    await expect.poll(() => replies().length, SOON).toBe(sent + 2);
    expect(replies().at(-1)).toMatchObject({
      role: 'agent',
      thread_id: 'ticket-7',
      text: 'Hi Ada, Grace from support here.',
      message_id: agent.json().id,
    });
  });

  it('retries a reply the receiver could not take (503, then 429 with Retry-After), like webhooks', async () => {
    const sent = replies().length;
    const first = peer.requests.length;
    peer.respond = (_request, index) =>
      index === first
        ? { status: 503 }
        : index === first + 1
          ? { status: 429, headers: { 'retry-after': '1' } }
          : { status: 200, body: 'ok' };
    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Your parcel left the warehouse.' },
    });
    expect(agent.statusCode).toBe(201);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0], SOON)
      .toMatchObject({ direction: 'outbound', status: 'sent', attempts: 3 });
    expect(
      replies()
        .slice(sent)
        .map((reply) => reply.text),
    ).toEqual(Array(3).fill('Your parcel left the warehouse.'));
    // Each attempt of one reply carries the same webhook-id, so that the receiver can tell repeats.
    expect(new Set(peer.requests.slice(first).map((request) => request.headers['webhook-id'])).size).toBe(1);
  });

  it('marks the channel disconnected once when the receiver refuses the signature, and reconnects with a new secret', async () => {
    peer.respond = () => ({ status: 401, body: 'bad signature' });
    const reason = 'Custom channel: HTTP 401: not retried (only 408, 409, 425, 429 and 5xx are).';
    await expectDisconnectedOnce(t, ws.liveKey, { channelId, conversationId }, reason);

    secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    peer.respond = () => ({ status: 200, body: 'ok' });
    await expectReconnected(t, ws.liveKey, channelId, { secret });
    // Messages signed with the new secret are taken.
    const message = signedMessage({ thread_id: 'ticket-7', text: 'Hello again', user: ada });
    expect((await deliver(message)).statusCode).toBe(200);
  });

  it('keeps a disconnected channel disconnected when turned on while its secret is still refused, and reconnects it once it works', async () => {
    peer.respond = () => ({ status: 401, body: 'bad signature' });
    await agentSays(t, ws.liveKey, conversationId, 'Are you still there?');
    await expect
      .poll(
        async () => (await t.request({ url: `/v1/channels/${channelId}`, key: ws.liveKey })).json().status,
        SOON,
      )
      .toBe('disconnected');
    const reconnections = (await eventsOf(t, ws.liveKey, 'channel.reconnected')).length;
    const turnOn = () =>
      t.request({
        method: 'PATCH',
        url: `/v1/channels/${channelId}`,
        key: ws.liveKey,
        body: { status: 'active' },
      });

    const refused = await turnOn();
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'channel_credentials_rejected',
    });
    const still = (await t.request({ url: `/v1/channels/${channelId}`, key: ws.liveKey })).json();
    expect(still).toMatchObject({ status: 'disconnected' });
    expect(still.last_error).toContain('401');
    expect(await eventsOf(t, ws.liveKey, 'channel.reconnected')).toHaveLength(reconnections);

    // The receiver takes the secret again: turning the channel on checks it and reconnects it.
    peer.respond = () => ({ status: 200, body: 'ok' });
    const accepted = await turnOn();
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'active', last_error: null });
    const reconnected = await eventsOf(t, ws.liveKey, 'channel.reconnected');
    expect(reconnected).toHaveLength(reconnections + 1);
    expect(reconnected[0]!.data).toMatchObject({ id: channelId, status: 'active' });
  });

  it('tells the visitor once that a paused chatbot is not answering, instead of going silent', async () => {
    const paused = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${bot}`,
      key: ws.liveKey,
      body: { is_active: false },
    });
    expect(paused.statusCode, paused.body).toBe(200);
    const message = signedMessage({ thread_id: 'ticket-9', text: 'Is anyone there?', user: ada });
    expect((await deliver(message)).statusCode).toBe(200);
    expect((await deliver(message)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, message.id), SOON).toBe('failed');
    // Earlier replies were signed with the secret before the last one: only this thread's are read.
    const notices = () =>
      peer.requests
        .filter(
          (request) => request.json?.type === 'message.created' && request.json.data.thread_id === 'ticket-9',
        )
        .map((request) => {
          new Webhook(secret).verify(request.body, request.headers);
          return request.json.data as Record<string, unknown>;
        });
    await expect.poll(() => notices().length, SOON).toBe(1);
    expect(notices()[0]).toMatchObject({
      role: 'system',
      text: 'This assistant is not answering at the moment. Please try again later.',
    });
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === message.id,
    )!;
    expect(inbound.error).toContain('paused');

    const resumed = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${bot}`,
      key: ws.liveKey,
      body: { is_active: true },
    });
    expect(resumed.statusCode).toBe(200);
    const next = signedMessage({ thread_id: 'ticket-9', text: 'How long do parcels to Iceland take?' });
    expect((await deliver(next)).statusCode).toBe(200);
    await expect.poll(() => notices().length, SOON).toBe(2);
    expect(notices()[1]!.text).toContain('9 business days');
    expect(notices()[1]!.role).toBe('assistant');
  });
});

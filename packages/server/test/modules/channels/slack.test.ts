// Slack channels end to end against a fake Slack: connecting with one call (auth.test), the
// Events API's url_verification, signed events answered from knowledge in their thread, retried
// events answered once, bots ignored, bad or stale signatures refused, handoff with the agent's
// reply in the thread, Retry-After honoured, and a revoked token announced once.
import { afterAll, describe, expect, it } from 'vitest';
import { SLACK_BOT_USER, SLACK_TEAM, startFakeSlack } from '../../fakes/fake-slack.ts';
import {
  channelEvents,
  eventsOf,
  expectDisconnectedOnce,
  expectReconnected,
  inboundStatus,
  longReply,
  PUBLIC_URL,
  SHIPPING_URL,
  SOON,
  startChannelApp,
} from './channel-fixtures.ts';

const slack = await startFakeSlack();
const { t, ws, bot, close } = await startChannelApp({ PARLEY_SLACK_API_URL: slack.url });
afterAll(async () => {
  await close();
  await slack.close();
});

const TOKEN = 'xoxb-1111-2222-parleytestone';
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DM = 'D0VISITOR';
let channelId = '';
let conversationId = '';
let threadTs = '';

let nextEvent = 100;
/** An event_callback as Slack sends it for a direct message (or a reply in its thread). */
function dmEvent(text: string, options: { thread_ts?: string; bot_id?: string; user?: string } = {}) {
  nextEvent += 1;
  const ts = `1700000${nextEvent}.000200`;
  return {
    token: 'deprecated-verification-token',
    team_id: SLACK_TEAM,
    api_app_id: 'A0PARLEY',
    type: 'event_callback',
    event_id: `Ev0${nextEvent}`,
    event_time: Math.floor(Date.now() / 1000),
    event: {
      type: 'message',
      channel: DM,
      channel_type: 'im',
      user: options.user ?? 'U0ADA',
      text,
      ts,
      ...(options.thread_ts ? { thread_ts: options.thread_ts } : {}),
      ...(options.bot_id ? { bot_id: options.bot_id } : {}),
    },
  };
}

function deliver(
  body: unknown,
  options: { secret?: string; at?: Date; headers?: Record<string, string> } = {},
) {
  const signed = slack.signed(options.secret ?? SIGNING_SECRET, body, options.at);
  return t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}/slack`,
    body: signed.body,
    headers: { ...signed.headers, ...options.headers },
  });
}

const posted = (token = TOKEN) => slack.callsTo('/chat.postMessage', token);

describe('a Slack channel', () => {
  it('refuses a token Slack rejects, or a missing signing secret, and stores nothing', async () => {
    slack.revoke('xoxb-revoked');
    const refused = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { type: 'slack', bot_token: 'xoxb-revoked', signing_secret: SIGNING_SECRET },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'channel_credentials_rejected', param: 'bot_token' });
    const incomplete = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { type: 'slack', bot_token: TOKEN },
    });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json().error.param).toBe('signing_secret');
    const list = await t.request({ url: `/v1/chatbots/${bot}/channels`, key: ws.liveKey });
    expect(list.json().data).toEqual([]);
  });

  it('connects with one call and shows the Request URL, never the credentials', async () => {
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { type: 'slack', bot_token: TOKEN, signing_secret: SIGNING_SECRET, name: 'Support Slack' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.body).not.toContain(TOKEN);
    expect(response.body).not.toContain(SIGNING_SECRET);
    const channel = response.json();
    channelId = channel.id;
    expect(channel).toMatchObject({
      type: 'slack',
      status: 'active',
      mode: 'webhook',
      webhook_url: `${PUBLIC_URL}/hooks/channels/${channelId}/slack`,
      credentials: { bot_token: true, signing_secret: true },
      account: { id: SLACK_BOT_USER, username: 'parley_bot' },
    });
    expect(slack.callsTo('/auth.test', TOKEN)).toHaveLength(1);
    const connected = await eventsOf(t, ws.liveKey, 'channel.connected');
    expect(connected.map((event) => event.data.id)).toEqual([channelId]);
  });

  it("answers Slack's url_verification with its challenge, only when signed", async () => {
    const handshake = {
      token: 'x',
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    };
    const answered = await deliver(handshake);
    expect(answered.statusCode).toBe(200);
    expect(answered.json()).toEqual({ challenge: handshake.challenge });
    const forged = await deliver(handshake, { secret: 'not-the-signing-secret' });
    expect(forged.statusCode).toBe(403);
  });

  it('answers a signed direct message from knowledge, in its thread', async () => {
    const event = dmEvent('How long do parcels to Iceland take?');
    threadTs = event.event.ts;
    const response = await deliver(event);
    expect(response.statusCode, response.body).toBe(200);
    const [reply] = (await slack.waitForCalls('/chat.postMessage', 1)).slice(-1);
    expect(reply!.token).toBe(TOKEN);
    expect(reply!.body).toMatchObject({ channel: DM, thread_ts: threadTs });
    expect(reply!.body.text).toContain('9 business days');
    expect(reply!.body.text).toContain(`<${SHIPPING_URL}>`);

    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, event.event_id), SOON).toBe('processed');
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === event.event_id,
    )!;
    conversationId = inbound.conversation_id as string;
    const conversation = (
      await t.request({ url: `/v1/conversations/${conversationId}`, key: ws.liveKey })
    ).json();
    expect(conversation).toMatchObject({ channel: 'slack', visitor_id: `slack:${SLACK_TEAM}:U0ADA` });
  });

  it('answers an event Slack retries once, and keeps the thread in one conversation', async () => {
    const sent = posted().length;
    const event = dmEvent('What does express delivery cost?', { thread_ts: threadTs });
    expect((await deliver(event)).statusCode).toBe(200);
    expect(
      (
        await deliver(event, {
          headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
        })
      ).statusCode,
    ).toBe(200);
    await slack.waitForCalls('/chat.postMessage', sent + 1);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0]!.status, SOON)
      .toBe('sent');
    expect(posted()).toHaveLength(sent + 1);
    expect(posted().at(-1)!.body.thread_ts).toBe(threadTs);
    const rows = await channelEvents(t, ws.liveKey, channelId);
    expect(rows.filter((row) => row.platform_message_id === event.event_id)).toHaveLength(1);
    const messages = (
      await t.request({ url: `/v1/conversations/${conversationId}/messages`, key: ws.liveKey })
    ).json();
    expect(messages.data.filter((m: { role: string }) => m.role === 'user')).toHaveLength(2);
  });

  it('stores what a person wrote without Slack’s markup: escapes decoded, links as label (url)', async () => {
    const sent = posted().length;
    const event = dmEvent(
      '&gt; Is 3 &lt; 4 &amp; 5? See <https://shop.example.com/help?a=1&amp;b=2|our help page> or ' +
        '<https://shop.example.com/faq>, or write to <mailto:help@shop.example.com|help@shop.example.com> ' +
        'in <#C024BE7LR|general>',
    );
    expect((await deliver(event)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, event.event_id), SOON).toBe('processed');
    await slack.waitForCalls('/chat.postMessage', sent + 1);
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === event.event_id,
    )!;
    const messages = (
      await t.request({ url: `/v1/conversations/${inbound.conversation_id}/messages`, key: ws.liveKey })
    ).json().data as { role: string; content: string }[];
    expect(messages.find((m) => m.role === 'user')!.content).toBe(
      '> Is 3 < 4 & 5? See our help page (https://shop.example.com/help?a=1&b=2) or ' +
        'https://shop.example.com/faq, or write to help@shop.example.com in #general',
    );
  });

  it('ignores messages of bots, its own included', async () => {
    const sent = posted().length;
    const fromBot = dmEvent('I am another bot', { bot_id: 'B0OTHER' });
    const fromItself = dmEvent('Parcels take 9 business days.', { user: SLACK_BOT_USER });
    for (const event of [fromBot, fromItself]) {
      expect((await deliver(event)).statusCode).toBe(200);
      await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, event.event_id), SOON).toBe('ignored');
    }
    expect(posted()).toHaveLength(sent);
  });

  it.each([
    ['a wrong signing secret', { secret: 'wrong-secret' }],
    ['a signature six minutes old', { at: new Date(Date.now() - 6 * 60_000) }],
  ])('refuses %s with 403 and stores nothing', async (_name, options) => {
    const before = (await channelEvents(t, ws.liveKey, channelId)).length;
    const response = await deliver(dmEvent('Let me in'), options);
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ type: 'permission_error' });
    const unsigned = await t.request({
      method: 'POST',
      url: `/hooks/channels/${channelId}/slack`,
      body: dmEvent('No signature at all'),
    });
    expect(unsigned.statusCode).toBe(403);
    expect(await channelEvents(t, ws.liveKey, channelId)).toHaveLength(before);
  });

  it('stays quiet once a human has the thread, and posts the agent’s reply in it', async () => {
    const sent = posted().length;
    const escalated = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/escalate`,
      key: ws.liveKey,
      body: {},
    });
    expect(escalated.statusCode, escalated.body).toBe(200);
    const [notice] = (await slack.waitForCalls('/chat.postMessage', sent + 1)).slice(sent);
    expect(notice!.body).toMatchObject({ channel: DM, thread_ts: threadTs });

    const waiting = dmEvent('Is anyone there?', { thread_ts: threadTs });
    expect((await deliver(waiting)).statusCode).toBe(200);
    await expect
      .poll(() => inboundStatus(t, ws.liveKey, channelId, waiting.event_id), SOON)
      .toBe('processed');
    expect(posted()).toHaveLength(sent + 1);

    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Hi Ada, Grace from support here. <Your order> & more.' },
    });
    expect(agent.statusCode, agent.body).toBe(201);
    const [delivered] = (await slack.waitForCalls('/chat.postMessage', sent + 2)).slice(sent + 1);
    expect(delivered!.body).toEqual({
      channel: DM,
      thread_ts: threadTs,
      text: 'Hi Ada, Grace from support here. &lt;Your order&gt; &amp; more.',
      unfurl_links: false,
    });
  });

  it('waits as long as Slack asks when rate limited (429 Retry-After), then posts', async () => {
    const sent = posted().length;
    slack.failNext('/chat.postMessage', {
      status: 429,
      body: { ok: false, error: 'ratelimited' },
      headers: { 'retry-after': '1' },
    });
    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Your parcel left the warehouse.' },
    });
    expect(agent.statusCode).toBe(201);
    const calls = await slack.waitForCalls('/chat.postMessage', sent + 2);
    expect(calls.at(-1)!.body.text).toBe('Your parcel left the warehouse.');
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0], SOON)
      .toMatchObject({ direction: 'outbound', status: 'sent', attempts: 2 });
  });

  it('posts a long reply as several messages in its thread, in order, each within Slack’s limit', async () => {
    const sent = posted().length;
    const content = longReply();
    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content },
    });
    expect(agent.statusCode, agent.body).toBe(201);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0], SOON)
      .toMatchObject({ direction: 'outbound', status: 'sent', message_id: agent.json().id });
    const calls = posted().slice(sent);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) {
      expect(call.body).toMatchObject({ channel: DM, thread_ts: threadTs });
      expect(call.body.text.length).toBeLessThanOrEqual(4000);
    }
    expect(calls.map((call) => call.body.text).join('\n\n')).toBe(content);
  });

  it('marks the channel disconnected once when the token is revoked, and reconnects with a new one', async () => {
    slack.revoke(TOKEN);
    await expectDisconnectedOnce(t, ws.liveKey, { channelId, conversationId }, 'Slack: token_revoked');
    await expectReconnected(t, ws.liveKey, channelId, { bot_token: 'xoxb-1111-2222-parleytesttwo' });
    const wrongField = await t.request({
      method: 'PATCH',
      url: `/v1/channels/${channelId}`,
      key: ws.liveKey,
      body: { app_secret: 'whatsapp-only' },
    });
    expect(wrongField.statusCode).toBe(400);
    expect(wrongField.json().error.param).toBe('app_secret');
    const tested2 = await t.request({
      method: 'POST',
      url: `/v1/channels/${channelId}/test`,
      key: ws.liveKey,
    });
    expect(tested2.json()).toEqual({ ok: true, error: null });
  });
});

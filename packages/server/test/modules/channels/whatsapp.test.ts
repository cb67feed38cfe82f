// WhatsApp channels end to end against a fake Cloud API: connecting with one call, Meta's GET
// verification handshake, signed notifications answered from knowledge, a message delivered twice
// answered once, bad signatures refused, handoff with the agent's reply on WhatsApp, the 24-hour
// customer-service window (free text refused, an approved template sent instead), throttling
// retried, and an invalidated access token announced once.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeWhatsApp, WHATSAPP_DISPLAY_NUMBER, WHATSAPP_PHONE_ID } from '../../fakes/fake-whatsapp.ts';
import {
  captureLeadsFromChat,
  channelEvents,
  eventsOf,
  expectDisconnectedOnce,
  expectReconnected,
  inboundStatus,
  leadsOf,
  longReply,
  PUBLIC_URL,
  SHIPPING_URL,
  SOON,
  startChannelApp,
} from './channel-fixtures.ts';

const whatsapp = await startFakeWhatsApp();
const { t, ws, bot, close } = await startChannelApp({ PARLEY_WHATSAPP_API_URL: whatsapp.url });
afterAll(async () => {
  await close();
  await whatsapp.close();
});

const ACCESS_TOKEN = 'EAAGparleyTestAccessTokenOne';
const APP_SECRET = 'f1b2c3d4e5f60718293a4b5c6d7e8f90';
const VERIFY_TOKEN = 'parley-verify-4d1f';
const CUSTOMER = '15551234567';
let channelId = '';
let conversationId = '';

function deliver(body: unknown, appSecret = APP_SECRET) {
  const signed = whatsapp.signed(appSecret, body);
  return t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}/whatsapp`,
    body: signed.body,
    headers: signed.headers,
  });
}

const messagesTo = (to: string) => whatsapp.callsTo('/messages').filter((call) => call.body.to === to);
const idOf = (notification: Record<string, unknown>) =>
  // biome-ignore lint/suspicious/noExplicitAny: the notification's nested shape is Meta's.
  (notification as any).entry[0].changes[0].value.messages[0].id as string;

describe('a WhatsApp channel', () => {
  it('refuses an access token Meta rejects, or missing fields, and stores nothing', async () => {
    whatsapp.revoke('EAAGrevoked');
    const body = {
      type: 'whatsapp',
      access_token: 'EAAGrevoked',
      app_secret: APP_SECRET,
      verify_token: VERIFY_TOKEN,
      phone_number_id: WHATSAPP_PHONE_ID,
    };
    const refused = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      code: 'channel_credentials_rejected',
      param: 'access_token',
    });
    const { verify_token: _omitted, ...incomplete } = { ...body, access_token: ACCESS_TOKEN };
    const missing = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: incomplete,
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.param).toBe('verify_token');
    expect((await t.request({ url: `/v1/chatbots/${bot}/channels`, key: ws.liveKey })).json().data).toEqual(
      [],
    );
  });

  it('connects with one call and shows the Callback URL, never the credentials', async () => {
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: {
        type: 'whatsapp',
        access_token: ACCESS_TOKEN,
        app_secret: APP_SECRET,
        verify_token: VERIFY_TOKEN,
        phone_number_id: WHATSAPP_PHONE_ID,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    for (const secret of [ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN])
      expect(response.body).not.toContain(secret);
    const channel = response.json();
    channelId = channel.id;
    expect(channel).toMatchObject({
      type: 'whatsapp',
      status: 'active',
      webhook_url: `${PUBLIC_URL}/hooks/channels/${channelId}/whatsapp`,
      credentials: { access_token: true, app_secret: true, verify_token: true },
      settings: { phone_number_id: WHATSAPP_PHONE_ID, template: null },
      account: { id: WHATSAPP_PHONE_ID, username: WHATSAPP_DISPLAY_NUMBER },
    });
    expect(whatsapp.callsTo(`/${WHATSAPP_PHONE_ID}`, ACCESS_TOKEN)).toHaveLength(1);
    expect((await eventsOf(t, ws.liveKey, 'channel.connected')).map((event) => event.data.id)).toEqual([
      channelId,
    ]);
  });

  it("answers Meta's verification request with the challenge, only for the verify token", async () => {
    const verify = (mode: string, token: string) =>
      t.request({
        url: `/hooks/channels/${channelId}/whatsapp?hub.mode=${mode}&hub.verify_token=${token}&hub.challenge=1158201444`,
      });
    const answered = await verify('subscribe', VERIFY_TOKEN);
    expect(answered.statusCode).toBe(200);
    expect(answered.headers['content-type']).toMatch(/^text\/plain/);
    expect(answered.body).toBe('1158201444');
    expect((await verify('subscribe', 'wrong-token')).statusCode).toBe(403);
    expect((await verify('unsubscribe', VERIFY_TOKEN)).statusCode).toBe(403);
  });

  it('answers a signed message from knowledge, to the customer’s number', async () => {
    const notification = whatsapp.message({
      from: CUSTOMER,
      name: 'Ada Lovelace',
      text: 'How long do parcels to Iceland take?',
    });
    const response = await deliver(notification);
    expect(response.statusCode, response.body).toBe(200);
    const [reply] = await whatsapp.waitForCalls('/messages', 1);
    expect(reply!.token).toBe(ACCESS_TOKEN);
    expect(reply!.path).toBe(`/v21.0/${WHATSAPP_PHONE_ID}/messages`);
    expect(reply!.body).toMatchObject({ messaging_product: 'whatsapp', to: CUSTOMER, type: 'text' });
    expect(reply!.body.text.body).toContain('9 business days');
    expect(reply!.body.text.body).toContain(SHIPPING_URL);

    await expect
      .poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(notification)), SOON)
      .toBe('processed');
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === idOf(notification),
    )!;
    conversationId = inbound.conversation_id as string;
    const conversation = (
      await t.request({ url: `/v1/conversations/${conversationId}`, key: ws.liveKey })
    ).json();
    expect(conversation).toMatchObject({
      channel: 'whatsapp',
      customer_name: 'Ada Lovelace',
      visitor_id: `whatsapp:+${CUSTOMER}`,
    });
  });

  it('answers a message Meta delivers twice once, and keeps the number in one conversation', async () => {
    const sent = messagesTo(CUSTOMER).length;
    const notification = whatsapp.message({ from: CUSTOMER, text: 'What does express delivery cost?' });
    expect((await deliver(notification)).statusCode).toBe(200);
    expect((await deliver(notification)).statusCode).toBe(200);
    // A status notification has nothing to answer and is not stored.
    expect((await deliver(whatsapp.status('wamid.status1', CUSTOMER))).statusCode).toBe(200);
    await whatsapp.waitForCalls('/messages', sent + 1);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0]!.status, SOON)
      .toBe('sent');
    expect(messagesTo(CUSTOMER)).toHaveLength(sent + 1);
    const rows = await channelEvents(t, ws.liveKey, channelId);
    expect(rows.filter((row) => row.platform_message_id === idOf(notification))).toHaveLength(1);
    expect(rows.filter((row) => row.direction === 'inbound')).toHaveLength(2);
    const messages = (
      await t.request({ url: `/v1/conversations/${conversationId}/messages`, key: ws.liveKey })
    ).json();
    expect(messages.data.filter((m: { role: string }) => m.role === 'user')).toHaveLength(2);
  });

  it.each([
    ['a signature with another secret', 'another-app-secret'],
    ['no signature', null],
  ])('refuses %s with 403 and stores nothing', async (_name, secret) => {
    const before = (await channelEvents(t, ws.liveKey, channelId)).length;
    const notification = whatsapp.message({ from: CUSTOMER, text: 'Let me in' });
    const response =
      secret === null
        ? await t.request({
            method: 'POST',
            url: `/hooks/channels/${channelId}/whatsapp`,
            body: notification,
          })
        : await deliver(notification, secret);
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ type: 'permission_error' });
    expect(await channelEvents(t, ws.liveKey, channelId)).toHaveLength(before);
  });

  it('makes the customer’s number a lead, which gains the address they write, when the chatbot captures leads', async () => {
    const off = whatsapp.message({ from: '15557654321', name: 'Grace', text: 'Write to grace@example.com' });
    expect((await deliver(off)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(off)), SOON).toBe('processed');
    expect(await leadsOf(t, ws.liveKey, bot)).toEqual([]);

    await captureLeadsFromChat(t, ws.liveKey, bot, true);
    // The number WhatsApp gives is the customer's: alone, it is a lead of its own.
    const numberOnly = whatsapp.message({
      from: CUSTOMER,
      name: 'Ada Lovelace',
      text: 'Call me back please',
    });
    expect((await deliver(numberOnly)).statusCode).toBe(200);
    await expect
      .poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(numberOnly)), SOON)
      .toBe('processed');
    const [phoneOnly, ...others] = await leadsOf(t, ws.liveKey, bot);
    expect(others).toEqual([]);
    expect(phoneOnly).toMatchObject({
      email: null,
      phone: `+${CUSTOMER}`,
      phone_e164: `+${CUSTOMER}`,
      name: 'Ada Lovelace',
      conversation_id: conversationId,
      captured_via: 'chat',
    });

    // The address they write later goes on that lead: one lead per customer.
    const notification = whatsapp.message({
      from: CUSTOMER,
      name: 'Ada Lovelace',
      text: 'My email is Ada@Example.com, is my parcel on its way?',
    });
    expect((await deliver(notification)).statusCode).toBe(200);
    await expect
      .poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(notification)), SOON)
      .toBe('processed');
    const leads = await leadsOf(t, ws.liveKey, bot);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      id: phoneOnly!.id,
      email: 'ada@example.com',
      phone: `+${CUSTOMER}`,
      name: 'Ada Lovelace',
      conversation_id: conversationId,
      captured_via: 'chat',
    });
    const conversation = await t.request({ url: `/v1/conversations/${conversationId}`, key: ws.liveKey });
    expect(conversation.json()).toMatchObject({ customer_email: 'ada@example.com' });

    // Further messages change nothing: no more lead.captured.
    const thanks = whatsapp.message({ from: CUSTOMER, name: 'Ada Lovelace', text: 'Thanks!' });
    expect((await deliver(thanks)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(thanks)), SOON).toBe('processed');
    const captured = (await eventsOf(t, ws.liveKey, 'lead.captured')).map((event) => event.data);
    expect(captured.map((data) => [data.id, data.email, data.created])).toEqual([
      [phoneOnly!.id, 'ada@example.com', false],
      [phoneOnly!.id, null, true],
    ]);
    await captureLeadsFromChat(t, ws.liveKey, bot, false);
  });

  it('stays quiet once a human has the conversation, and delivers the agent’s reply on WhatsApp', async () => {
    const escalated = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/escalate`,
      key: ws.liveKey,
      body: {},
    });
    expect(escalated.statusCode, escalated.body).toBe(200);
    // A channel's messages go out in order: once the handoff notice is out, so is any reply to
    // the earlier messages that was still on its way.
    await expect
      .poll(
        () => (messagesTo(CUSTOMER).at(-1)?.body as { text?: { body?: string } } | undefined)?.text?.body,
        SOON,
      )
      .toMatch(/^You are now connected with our team/);
    const sent = messagesTo(CUSTOMER).length - 1;

    const waiting = whatsapp.message({ from: CUSTOMER, text: 'Is anyone there?' });
    expect((await deliver(waiting)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(waiting)), SOON).toBe('processed');
    expect(messagesTo(CUSTOMER)).toHaveLength(sent + 1);

    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Hi Ada, Grace from support here.' },
    });
    expect(agent.statusCode, agent.body).toBe(201);
    await expect.poll(() => messagesTo(CUSTOMER).length, SOON).toBe(sent + 2);
    expect(messagesTo(CUSTOMER).at(-1)!.body).toMatchObject({
      type: 'text',
      text: { body: 'Hi Ada, Grace from support here.', preview_url: false },
    });
  });

  it('retries when Meta throttles (130429), then delivers', async () => {
    const sent = messagesTo(CUSTOMER).length;
    whatsapp.failNext('/messages', {
      status: 400,
      body: { error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429 } },
    });
    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Your parcel left the warehouse.' },
    });
    expect(agent.statusCode).toBe(201);
    await expect.poll(() => messagesTo(CUSTOMER).length, SOON).toBe(sent + 2);
    expect(messagesTo(CUSTOMER).at(-1)!.body.text.body).toBe('Your parcel left the warehouse.');
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0], SOON)
      .toMatchObject({ direction: 'outbound', status: 'sent', attempts: 2 });
  });

  it('sends a long reply as several messages in order, each within WhatsApp’s limit', async () => {
    const sent = messagesTo(CUSTOMER).length;
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
    const parts = messagesTo(CUSTOMER)
      .slice(sent)
      .map((call) => call.body.text.body as string);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.join('\n\n')).toBe(content);
  });

  it('answers the caption of an image as its text, noting that an image came with it', async () => {
    const number = '15553330002';
    const photo = whatsapp.message({
      from: number,
      name: 'Mo',
      text: 'How long do parcels to Iceland take?',
      image: true,
    });
    expect((await deliver(photo)).statusCode).toBe(200);
    await expect.poll(() => messagesTo(number).length, SOON).toBe(1);
    expect(messagesTo(number)[0]!.body.text.body).toContain('9 business days');
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(photo)), SOON).toBe('processed');
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === idOf(photo),
    )!;
    const messages = (
      await t.request({ url: `/v1/conversations/${inbound.conversation_id}/messages`, key: ws.liveKey })
    ).json().data as { role: string; content: string; metadata: Record<string, unknown> }[];
    expect(messages.find((m) => m.role === 'user')).toMatchObject({
      content: 'How long do parcels to Iceland take?',
      metadata: { attachment: { type: 'image' } },
    });
  });

  it('keeps the window open when an older message arrives late, after a fresh one', async () => {
    const number = '15553330001';
    const fresh = whatsapp.message({
      from: number,
      name: 'Lin',
      text: 'How long do parcels to Iceland take?',
    });
    expect((await deliver(fresh)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(fresh)), SOON).toBe('processed');
    // Meta delivers a message written 25 hours ago only now (after an outage).
    const late = whatsapp.message({
      from: number,
      name: 'Lin',
      text: 'An older question about returns',
      at: new Date(Date.now() - 25 * 3600 * 1000),
    });
    expect((await deliver(late)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(late)), SOON).toBe('processed');
    // Both are answered: the window runs from the fresh one.
    await expect.poll(() => messagesTo(number).length, SOON).toBe(2);
    const conversation = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === idOf(late),
    )!.conversation_id as string;
    const sent = messagesTo(number).length;
    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversation}/messages`,
      key: ws.liveKey,
      body: { content: 'Lin, returns are free within 30 days.' },
    });
    expect(agent.statusCode, agent.body).toBe(201);
    await expect.poll(() => messagesTo(number).length, SOON).toBe(sent + 1);
    expect(messagesTo(number).at(-1)!.body).toMatchObject({
      type: 'text',
      text: { body: 'Lin, returns are free within 30 days.' },
    });
  });

  it('refuses free text outside the 24-hour window, and sends the approved template instead once set', async () => {
    const late = '15559876543';
    const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
    // The customer's last message is 25 hours old (Meta delivers late after an outage): the
    // handoff notice it asks for cannot go out as free text.
    const old = whatsapp.message({
      from: late,
      name: 'Grace',
      text: 'Can I talk to a human please?',
      at: dayAgo,
    });
    expect((await deliver(old)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, idOf(old)), SOON).toBe('processed');
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === idOf(old),
    )!;
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0], SOON)
      .toMatchObject({ direction: 'outbound', status: 'failed' });
    const notice = (await channelEvents(t, ws.liveKey, channelId))[0]!;
    expect(notice.error).toContain('24-hour customer-service window is closed');
    expect(messagesTo(late)).toHaveLength(0);

    const conversation = inbound.conversation_id as string;
    const refused = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversation}/messages`,
      key: ws.liveKey,
      body: { content: 'Sorry for the wait, Grace.' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'whatsapp_window_closed' });
    expect(refused.json().error.message).toContain('template');
    const stored = (
      await t.request({ url: `/v1/conversations/${conversation}/messages`, key: ws.liveKey })
    ).json();
    expect(stored.data.some((m: { content: string }) => m.content === 'Sorry for the wait, Grace.')).toBe(
      false,
    );

    whatsapp.approve('support_followup');
    const patched = await t.request({
      method: 'PATCH',
      url: `/v1/channels/${channelId}`,
      key: ws.liveKey,
      body: { template: { name: 'support_followup', language: 'en_US' } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().settings.template).toEqual({ name: 'support_followup', language: 'en_US' });
    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversation}/messages`,
      key: ws.liveKey,
      body: { content: 'Sorry for the wait, Grace.' },
    });
    expect(agent.statusCode, agent.body).toBe(201);
    await expect.poll(() => messagesTo(late).length, SOON).toBe(1);
    expect(messagesTo(late)[0]!.body).toMatchObject({
      type: 'template',
      template: {
        name: 'support_followup',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Sorry for the wait, Grace.' }] }],
      },
    });
  });

  it('marks the channel disconnected once when Meta invalidates the token, and reconnects with a new one', async () => {
    whatsapp.revoke(ACCESS_TOKEN);
    const reason =
      'WhatsApp: Error validating access token: The session has been invalidated because the user changed their password.';
    await expectDisconnectedOnce(t, ws.liveKey, { channelId, conversationId }, reason);
    await expectReconnected(t, ws.liveKey, channelId, { access_token: 'EAAGparleyTestAccessTokenTwo' });
  });
});

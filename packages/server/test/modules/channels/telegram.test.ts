// Telegram channels end to end against a fake Bot API: connecting with one call, the webhook
// handshake and its secret, answers from knowledge with their sources, duplicates answered once,
// handoff (the bot quiet, agents' replies delivered), rate limits honoured, a revoked token
// announced once. Long polling (no public URL) is in telegram-polling.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../../fakes/fake-telegram.ts';
import {
  agentSays,
  channelEvents,
  eventsOf,
  expectDisconnectedOnce,
  expectReconnected,
  longReply,
  PUBLIC_URL,
  SHIPPING_URL,
  SOON,
  startChannelApp,
  telegramUpdate as textUpdate,
} from './channel-fixtures.ts';

const telegram = await startFakeTelegram();
const { t, ws, bot, close } = await startChannelApp({ PARLEY_TELEGRAM_API_URL: telegram.url });
afterAll(async () => {
  await close();
  await telegram.close();
});

function deliver(channelId: string, update: unknown, secret?: string) {
  return t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}/telegram`,
    body: update,
    headers: secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': secret },
  });
}

const TOKEN = '7001:AAHfakeTokenForParleyTests_one';
let channelId = '';
let secret = '';
let conversationId = '';

describe('a Telegram channel with a webhook', () => {
  it('refuses a token Telegram rejects, and stores nothing', async () => {
    telegram.revoke('7999:AAHrevokedToken');
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { type: 'telegram', bot_token: '7999:AAHrevokedToken' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'channel_credentials_rejected', param: 'bot_token' });
    const list = await t.request({ url: `/v1/chatbots/${bot}/channels`, key: ws.liveKey });
    expect(list.json().data).toEqual([]);
  });

  it('connects with one call, never shows the token, and registers the webhook with a secret', async () => {
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { type: 'telegram', bot_token: TOKEN },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.body).not.toContain(TOKEN);
    const channel = response.json();
    expect(channel).toMatchObject({
      chatbot_id: bot,
      type: 'telegram',
      status: 'active',
      mode: 'webhook',
      bot_token_set: true,
      last_error: null,
      account: { id: '7001', username: 'fake_7001_bot' },
    });
    expect(channel.id).toMatch(/^ch_/);
    channelId = channel.id;

    const webhook = telegram.webhookOf(TOKEN)!;
    expect(webhook.url).toBe(`${PUBLIC_URL}/hooks/channels/${channelId}/telegram`);
    expect(webhook.url).not.toContain(TOKEN);
    expect(webhook.secret_token.length).toBeGreaterThanOrEqual(32);
    secret = webhook.secret_token;

    const got = await t.request({ url: `/v1/channels/${channelId}`, key: ws.liveKey });
    expect(got.body).not.toContain(TOKEN);
    expect(got.body).not.toContain(secret);
    const connected = await eventsOf(t, ws.liveKey, 'channel.connected');
    expect(connected.map((event) => event.data.id)).toEqual([channelId]);
  });

  it('answers a signed message from knowledge, with the source’s URL, in the same chat', async () => {
    const sent = telegram.callsOf('sendMessage').length;
    const question = textUpdate(42, 'How long do parcels to Iceland take?');
    const response = await deliver(channelId, question, secret);
    expect(response.statusCode, response.body).toBe(200);
    const [reply] = (await telegram.waitForCalls('sendMessage', sent + 1)).slice(sent);
    expect(reply!.token).toBe(TOKEN);
    expect(String(reply!.params.chat_id)).toBe('42');
    expect(reply!.params.text).toContain('9 business days');
    expect(reply!.params.text).toContain(SHIPPING_URL);

    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.direction === 'inbound',
    )!;
    expect(inbound).toMatchObject({ status: 'processed', platform_message_id: String(question.update_id) });
    conversationId = inbound.conversation_id as string;
    const conversation = (
      await t.request({ url: `/v1/conversations/${conversationId}`, key: ws.liveKey })
    ).json();
    expect(conversation).toMatchObject({
      channel: 'telegram',
      customer_name: 'Ada Lovelace',
      visitor_id: 'telegram:42',
    });
  });

  it('answers an update delivered twice once, and keeps one chat in one conversation', async () => {
    const sent = telegram.callsOf('sendMessage').length;
    const update = textUpdate(42, 'What does express delivery cost?');
    expect((await deliver(channelId, update, secret)).statusCode).toBe(200);
    expect((await deliver(channelId, update, secret)).statusCode).toBe(200);
    await telegram.waitForCalls('sendMessage', sent + 1);
    const rows = await channelEvents(t, ws.liveKey, channelId);
    const inbound = rows.filter((row) => row.platform_message_id === String(update.update_id));
    expect(inbound).toHaveLength(1);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0]!.status, SOON)
      .toBe('sent');
    expect(telegram.callsOf('sendMessage')).toHaveLength(sent + 1);
    const messages = (
      await t.request({ url: `/v1/conversations/${conversationId}/messages`, key: ws.liveKey })
    ).json();
    expect(messages.data.filter((m: { role: string }) => m.role === 'user')).toHaveLength(2);
  });

  it('stores and answers a message longer than the message limit, cut with a marker and a note', async () => {
    const sent = telegram.callsOf('sendMessage').length;
    // 4,096 characters, Telegram's own maximum: longer than Parley's 4,000 for a message.
    const text =
      `How long do parcels to Iceland take? ${'I ordered a parcel for my aunt last week. '.repeat(100)}`
        .slice(0, 4096)
        .trimEnd()
        .padEnd(4096, '!');
    const update = textUpdate(45, text);
    expect((await deliver(channelId, update, secret)).statusCode).toBe(200);
    await expect
      .poll(
        async () =>
          (await channelEvents(t, ws.liveKey, channelId)).find(
            (row) => row.platform_message_id === String(update.update_id),
          ),
        SOON,
      )
      .toMatchObject({ status: 'processed', error: null });
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === String(update.update_id),
    )!;
    const messages = (
      await t.request({ url: `/v1/conversations/${inbound.conversation_id}/messages`, key: ws.liveKey })
    ).json().data as { role: string; content: string; metadata: Record<string, unknown> }[];
    const stored = messages.find((message) => message.role === 'user')!;
    expect(stored.content).toBe(`${text.slice(0, 3999).trimEnd()}…`);
    expect(Array.from(stored.content).length).toBeLessThanOrEqual(4000);
    expect(stored.metadata.truncated).toEqual({ original_characters: 4096 });
    // Answered as usual, in the same chat.
    const [reply] = (await telegram.waitForCalls('sendMessage', sent + 1)).slice(sent);
    expect(String(reply!.params.chat_id)).toBe('45');
    expect(messages.some((message) => message.role === 'assistant')).toBe(true);
  });

  it('answers the caption of a photo as its text, noting that a photo came with it', async () => {
    const sent = telegram.callsOf('sendMessage').length;
    const base = textUpdate(46, '');
    const { text: _none, ...message } = base.message;
    const update = {
      update_id: base.update_id,
      message: {
        ...message,
        photo: [
          { file_id: 'AgACAgQAAxkBAAIBa', file_unique_id: 'AQADa', width: 90, height: 90, file_size: 1200 },
          {
            file_id: 'AgACAgQAAxkBAAIBb',
            file_unique_id: 'AQADb',
            width: 800,
            height: 800,
            file_size: 64000,
          },
        ],
        caption: 'How long do parcels to Iceland take?',
      },
    };
    expect((await deliver(channelId, update, secret)).statusCode).toBe(200);
    const [reply] = (await telegram.waitForCalls('sendMessage', sent + 1)).slice(sent);
    expect(String(reply!.params.chat_id)).toBe('46');
    expect(reply!.params.text).toContain('9 business days');
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === String(update.update_id),
    )!;
    expect(inbound.status).toBe('processed');
    const messages = (
      await t.request({ url: `/v1/conversations/${inbound.conversation_id}/messages`, key: ws.liveKey })
    ).json().data as { role: string; content: string; metadata: Record<string, unknown> }[];
    expect(messages.find((m) => m.role === 'user')).toMatchObject({
      content: 'How long do parcels to Iceland take?',
      metadata: { attachment: { type: 'photo' } },
    });
  });

  it('notes updates it cannot answer (a sticker, no chat) as ignored, and keeps answering', async () => {
    const sent = telegram.callsOf('sendMessage').length;
    const sticker = {
      update_id: 9001,
      message: { message_id: 1, chat: { id: 42 }, sticker: { file_id: 'x' } },
    };
    const noChat = { update_id: 9002, message: { message_id: 2, text: 'Where am I?' } };
    for (const update of [sticker, noChat])
      expect((await deliver(channelId, update, secret)).statusCode).toBe(200);
    expect(
      (await deliver(channelId, textUpdate(42, 'What does express delivery cost?'), secret)).statusCode,
    ).toBe(200);
    await telegram.waitForCalls('sendMessage', sent + 1);
    const rows = await channelEvents(t, ws.liveKey, channelId);
    for (const id of ['9001', '9002']) {
      expect(rows.find((row) => row.platform_message_id === id)).toMatchObject({
        status: 'ignored',
        error: null,
      });
    }
  });

  it('tells a visitor who asks for a person, once, and after fallbacks in a row, after the reply', async () => {
    const settings = (await t.request({ url: `/v1/chatbots/${bot}`, key: ws.liveKey })).json();
    const notice = settings.handoff_settings.message as string;
    const textsTo = (chat: number) =>
      telegram
        .callsOf('sendMessage')
        .filter((call) => String(call.params.chat_id) === String(chat))
        .map((call) => call.params.text as string);

    expect(
      (await deliver(channelId, textUpdate(43, 'Can I talk to a human please?'), secret)).statusCode,
    ).toBe(200);
    await expect.poll(() => textsTo(43), SOON).toEqual([notice]);

    for (const question of ['Zorblax quantum flux capacitor?', 'Frobnicate the wibble sprocket?']) {
      expect((await deliver(channelId, textUpdate(44, question), secret)).statusCode).toBe(200);
    }
    await expect.poll(() => textsTo(44).length, SOON).toBe(3);
    expect(textsTo(44)).toEqual([settings.fallback_message, settings.fallback_message, notice]);
    expect(textsTo(43)).toEqual([notice]);
  });

  it.each([
    ['a wrong secret', 'not-the-secret'],
    ['no secret', undefined],
  ])('refuses %s with 403 and stores nothing', async (_name, wrong) => {
    const before = (await channelEvents(t, ws.liveKey, channelId)).length;
    const response = await deliver(channelId, textUpdate(42, 'Let me in'), wrong);
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatchObject({ type: 'permission_error', status: 403 });
    expect(await channelEvents(t, ws.liveKey, channelId)).toHaveLength(before);
  });

  it('stays quiet once a human has the conversation, and delivers the agent’s reply on Telegram', async () => {
    const sent = telegram.callsOf('sendMessage').length;
    const escalated = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/escalate`,
      key: ws.liveKey,
      body: {},
    });
    expect(escalated.statusCode, escalated.body).toBe(200);
    // The handoff notice goes out on Telegram.
    await telegram.waitForCalls('sendMessage', sent + 1);

    const update = textUpdate(42, 'Is anyone there?');
    expect((await deliver(channelId, update, secret)).statusCode).toBe(200);
    await expect
      .poll(
        async () =>
          (await channelEvents(t, ws.liveKey, channelId)).find(
            (row) => row.platform_message_id === String(update.update_id),
          )?.status,
        SOON,
      )
      .toBe('processed');
    expect(telegram.callsOf('sendMessage')).toHaveLength(sent + 1);

    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Hi Ada, Grace from support here.' },
    });
    expect(agent.statusCode, agent.body).toBe(201);
    const [delivered] = (await telegram.waitForCalls('sendMessage', sent + 2)).slice(sent + 1);
    expect(delivered).toMatchObject({ token: TOKEN, params: { text: 'Hi Ada, Grace from support here.' } });
    expect(String(delivered!.params.chat_id)).toBe('42');
  });

  it('waits as long as Telegram asks when rate limited (429 retry_after), then delivers', async () => {
    const sent = telegram.callsOf('sendMessage').length;
    telegram.failNext('sendMessage', {
      status: 429,
      description: 'Too Many Requests: retry after 1',
      retryAfter: 1,
    });
    const agent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Your parcel left the warehouse.' },
    });
    expect(agent.statusCode).toBe(201);
    const calls = await telegram.waitForCalls('sendMessage', sent + 2);
    expect(calls.at(-1)!.params.text).toBe('Your parcel left the warehouse.');
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0], SOON)
      .toMatchObject({ direction: 'outbound', status: 'sent', attempts: 2 });
  });

  it('sends a long reply as several messages in order, and does not send again parts already sent', async () => {
    const sent = telegram.callsOf('sendMessage').length;
    const content = longReply();
    // The second part fails once (Telegram is down for a moment): only it is sent again.
    telegram.failNext('sendMessage', { status: 500, description: 'Internal Server Error' }, 1, 1);
    const agent = await agentSays(t, ws.liveKey, conversationId, content);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0], SOON)
      .toMatchObject({ direction: 'outbound', status: 'sent', attempts: 2, message_id: agent.id });
    const texts = telegram
      .callsOf('sendMessage')
      .slice(sent)
      .map((call) => call.params.text as string);
    const parts = [texts[0]!, ...texts.slice(2)];
    expect(texts[1]).toBe(texts[2]);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4096);
      // Cut between paragraphs, never inside a sentence, and nothing dropped.
      expect(part).toMatch(/^Step \d+\.1: .*courier\.$/s);
    }
    expect(parts.join('\n\n')).toBe(content);
  });

  it('marks the channel disconnected once when Telegram revokes the token, and reconnects with a new one', async () => {
    telegram.revoke(TOKEN);
    const ids = { channelId, conversationId };
    await expectDisconnectedOnce(t, ws.liveKey, ids, 'Telegram: Unauthorized');

    const newToken = '7001:AAHfakeTokenForParleyTests_two';
    await expectReconnected(t, ws.liveKey, channelId, { bot_token: newToken });
    expect(telegram.webhookOf(newToken)?.url).toBe(`${PUBLIC_URL}/hooks/channels/${channelId}/telegram`);
    expect(
      await t
        .request({ method: 'POST', url: `/v1/channels/${channelId}/test`, key: ws.liveKey })
        .then((r) => r.json()),
    ).toEqual({
      ok: true,
      error: null,
    });
  });
});

describe('a disabled, then deleted Telegram channel', () => {
  it('ignores updates while disabled, and is gone at Telegram and in Parley once deleted', async () => {
    const token = '7001:AAHfakeTokenForParleyTests_two';
    const disabled = await t.request({
      method: 'PATCH',
      url: `/v1/channels/${channelId}`,
      key: ws.liveKey,
      body: { status: 'disabled' },
    });
    expect(disabled.json()).toMatchObject({ status: 'disabled' });
    const sent = telegram.callsOf('sendMessage').length;
    const update = textUpdate(42, 'Hello while disabled');
    const channelSecret = telegram.webhookOf(token)!.secret_token;
    expect((await deliver(channelId, update, channelSecret)).statusCode).toBe(200);
    await expect
      .poll(
        async () =>
          (await channelEvents(t, ws.liveKey, channelId)).find(
            (row) => row.platform_message_id === String(update.update_id),
          )?.status,
        SOON,
      )
      .toBe('ignored');
    expect(telegram.callsOf('sendMessage')).toHaveLength(sent);

    const deleted = await t.request({ method: 'DELETE', url: `/v1/channels/${channelId}`, key: ws.liveKey });
    expect(deleted.json()).toEqual({ id: channelId, deleted: true });
    // Removed at Telegram by a job (cleanup.test.ts has its retries).
    await expect.poll(() => telegram.webhookOf(token), SOON).toBeNull();
    expect((await t.request({ url: `/v1/channels/${channelId}`, key: ws.liveKey })).statusCode).toBe(404);
    expect((await deliver(channelId, textUpdate(42, 'Anyone?'), channelSecret)).statusCode).toBe(403);
    // The conversation stays in the inbox.
    expect(
      (await t.request({ url: `/v1/conversations/${conversationId}`, key: ws.liveKey })).statusCode,
    ).toBe(200);
  });
});

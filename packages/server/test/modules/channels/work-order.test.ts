// The order of a channel's work, against a fake Telegram Bot API: replies already written (an
// agent's) go out before newer incoming messages are answered, even when the message came first.
// Telegram holding a call keeps the channel's one job waiting, so that both kinds of work are
// pending at once without any timing.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../../fakes/fake-telegram.ts';
import {
  agentSays,
  channelEvents,
  inboundStatus,
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

const TOKEN = '7301:AAHworkOrderToken';

function deliver(channelId: string, update: unknown, secret: string) {
  return t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}/telegram`,
    body: update,
    headers: { 'x-telegram-bot-api-secret-token': secret },
  });
}

describe('a channel with replies and incoming messages both waiting', () => {
  it('sends the agent’s reply before answering a message that arrived before it', async () => {
    const connected = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { type: 'telegram', bot_token: TOKEN },
    });
    expect(connected.statusCode, connected.body).toBe(201);
    const channelId = connected.json().id as string;
    const secret = telegram.webhookOf(TOKEN)!.secret_token;

    // A first chat, answered by the bot, which an agent then takes over.
    expect((await deliver(channelId, textUpdate(71, 'Where is my parcel?'), secret)).statusCode).toBe(200);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId)).map((row) => row.status), SOON)
      .toEqual(['sent', 'processed']);
    const conversationId = (await channelEvents(t, ws.liveKey, channelId))[1]!.conversation_id as string;
    const before = telegram.callsOf('sendMessage').length;

    // Telegram keeps the agent's first reply waiting, and with it the channel's job.
    const first = telegram.holdNext('sendMessage');
    await agentSays(t, ws.liveKey, conversationId, 'Hello, this is Grace from the shipping team.');
    expect((await first.reached).params.text).toContain('Grace from the shipping team');

    // Meanwhile another person writes, and only then the agent writes again.
    const question = textUpdate(72, 'How long do parcels to Iceland take?');
    expect((await deliver(channelId, question, secret)).statusCode).toBe(200);
    await agentSays(t, ws.liveKey, conversationId, 'Your parcel arrives on Friday.');
    // Newest first: the agent's second reply, the message, and the first reply still in flight.
    const waiting = await channelEvents(t, ws.liveKey, channelId);
    expect(waiting.slice(0, 3).map((row) => [row.direction, row.status])).toEqual([
      ['outbound', 'pending'],
      ['inbound', 'pending'],
      ['outbound', 'pending'],
    ]);

    // Telegram answers: the next call is the agent's newer reply, and the older message is not
    // answered yet (the bot's answer to it is not even written).
    const second = telegram.holdNext('sendMessage');
    first.release();
    const next = await second.reached;
    expect(String(next.params.chat_id)).toBe('71');
    expect(next.params.text).toContain('arrives on Friday');
    expect(await inboundStatus(t, ws.liveKey, channelId, String(question.update_id))).toBe('pending');
    second.release();

    const calls = (await telegram.waitForCalls('sendMessage', before + 3)).slice(before);
    expect(calls.map((call) => String(call.params.chat_id))).toEqual(['71', '71', '72']);
    expect(calls[2]!.params.text).toContain('9 business days');
    await expect
      .poll(() => inboundStatus(t, ws.liveKey, channelId, String(question.update_id)), SOON)
      .toBe('processed');
  });
});

// What a channel leaves behind: deleting a channel or its chatbot removes the webhook Parley
// registered at Telegram, by a job retried until Telegram confirms (never another channel's
// webhook on the same bot); deliveries are kept as long as the event log's events, then purged.
import { afterAll, describe, expect, it } from 'vitest';
import { createChannelCleanup } from '../../../src/modules/channels/channel-cleanup.ts';
import { createTelegramClient } from '../../../src/modules/channels/telegram.ts';
import { startFakeTelegram } from '../../fakes/fake-telegram.ts';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import {
  channelEvents,
  eventsOf,
  PUBLIC_URL,
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

async function connect(chatbot: string, token: string): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${chatbot}/channels`,
    key: ws.liveKey,
    body: { type: 'telegram', bot_token: token },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

function deliver(channelId: string, update: unknown, secret: string) {
  return t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}/telegram`,
    body: update,
    headers: { 'x-telegram-bot-api-secret-token': secret },
  });
}

describe('deleting a Telegram channel', () => {
  it('removes its webhook at Telegram, trying again while Telegram fails', async () => {
    const token = '7101:AAHcleanupTokenOne';
    const channelId = await connect(bot, token);
    const secret = telegram.webhookOf(token)!.secret_token;
    telegram.failNext('deleteWebhook', { status: 502, description: 'Bad Gateway' });

    const deleted = await t.request({ method: 'DELETE', url: `/v1/channels/${channelId}`, key: ws.liveKey });
    expect(deleted.json()).toEqual({ id: channelId, deleted: true });
    // Gone from Parley at once: the API and the webhook URL.
    expect((await t.request({ url: `/v1/channels/${channelId}`, key: ws.liveKey })).statusCode).toBe(404);
    expect((await deliver(channelId, textUpdate(51, 'Hello?'), secret)).statusCode).toBe(403);

    await expect.poll(() => telegram.webhookOf(token), SOON).toBeNull();
    // The first call met the outage; the retry removed it.
    expect(telegram.callsOf('deleteWebhook', token)).toHaveLength(2);
    // Deleting is disconnecting: subscribers hear of it once.
    const disconnected = (await eventsOf(t, ws.liveKey, 'channel.disconnected')).filter(
      (event) => event.data.id === channelId,
    );
    expect(disconnected.map((event) => event.data.reason)).toEqual(['The channel was deleted.']);
  });

  it('leaves the webhook of a channel connected since to the same Telegram bot', async () => {
    const token = '7102:AAHcleanupTokenTwo';
    const first = await connect(bot, token);
    // Telegram is unreachable for the first attempt, and the team connects the bot again meanwhile.
    telegram.failNext('getWebhookInfo', { status: 502, description: 'Bad Gateway' });
    const deleted = await t.request({ method: 'DELETE', url: `/v1/channels/${first}`, key: ws.liveKey });
    expect(deleted.statusCode).toBe(200);
    await expect.poll(() => telegram.callsOf('getWebhookInfo', token).length, SOON).toBe(1);
    const second = await connect(bot, token);

    await expect.poll(() => telegram.callsOf('getWebhookInfo', token).length, SOON).toBe(2);
    expect(telegram.callsOf('deleteWebhook', token)).toEqual([]);
    expect(telegram.webhookOf(token)?.url).toBe(`${PUBLIC_URL}/hooks/channels/${second}/telegram`);
  });

  it('is done when Telegram no longer knows the token: nothing is left to remove', async () => {
    const token = '7103:AAHcleanupTokenThree';
    const channelId = await connect(bot, token);
    telegram.revoke(token);
    const deleted = await t.request({ method: 'DELETE', url: `/v1/channels/${channelId}`, key: ws.liveKey });
    expect(deleted.statusCode).toBe(200);
    const removals = async () =>
      (await t.context.db.query<{ n: number }>('SELECT count(*)::int AS n FROM channel_removals'))[0]!.n;
    await expect.poll(removals, SOON).toBe(0);
    // Asked once, refused: not tried again.
    expect(telegram.callsOf('getWebhookInfo', token)).toHaveLength(1);
    expect(telegram.callsOf('deleteWebhook', token)).toEqual([]);
  });
});

describe('deleting a chatbot', () => {
  it('deletes its channels at once and removes their webhooks at Telegram', async () => {
    const other = (await createTrainedBot(t, ws.liveKey)).id as string;
    const token = '7104:AAHcleanupTokenFour';
    const channelId = await connect(other, token);
    const secret = telegram.webhookOf(token)!.secret_token;

    const deleted = await t.request({ method: 'DELETE', url: `/v1/chatbots/${other}`, key: ws.liveKey });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect((await t.request({ url: `/v1/channels/${channelId}`, key: ws.liveKey })).statusCode).toBe(404);
    expect((await deliver(channelId, textUpdate(52, 'Hello?'), secret)).statusCode).toBe(403);
    await expect.poll(() => telegram.webhookOf(token), SOON).toBeNull();
    expect(telegram.callsOf('deleteWebhook', token)).toHaveLength(1);
  });
});

describe('retention', () => {
  it('keeps a channel’s deliveries for 30 days, then purges them and keeps the conversation', async () => {
    const token = '7105:AAHcleanupTokenFive';
    const channelId = await connect(bot, token);
    const secret = telegram.webhookOf(token)!.secret_token;
    const sent = telegram.callsOf('sendMessage').length;
    expect((await deliver(channelId, textUpdate(53, 'How long to Iceland?'), secret)).statusCode).toBe(200);
    await telegram.waitForCalls('sendMessage', sent + 1);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId)).map((row) => row.status), SOON)
      .toEqual(['sent', 'processed']);
    const conversationId = (await channelEvents(t, ws.liveKey, channelId))[1]!.conversation_id;

    const at = (days: number) => () => new Date(Date.now() + days * 86_400_000);
    const cleanup = (days: number) =>
      createChannelCleanup({
        db: t.context.db,
        logger: t.context.logger,
        secretBox: t.context.secretBox,
        telegram: createTelegramClient({ apiUrl: telegram.url }),
        jobs: t.context.queue,
        now: at(days),
      });
    await cleanup(29).purgeExpired();
    expect(await channelEvents(t, ws.liveKey, channelId)).toHaveLength(2);
    expect(await cleanup(31).purgeExpired()).toBeGreaterThanOrEqual(2);
    expect(await channelEvents(t, ws.liveKey, channelId)).toEqual([]);
    const conversation = await t.request({ url: `/v1/conversations/${conversationId}`, key: ws.liveKey });
    expect(conversation.statusCode).toBe(200);

    // The chat still continues its conversation.
    expect((await deliver(channelId, textUpdate(53, 'And to Norway?'), secret)).statusCode).toBe(200);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId)).at(-1), SOON)
      .toMatchObject({ direction: 'inbound', status: 'processed', conversation_id: conversationId });
  });
});

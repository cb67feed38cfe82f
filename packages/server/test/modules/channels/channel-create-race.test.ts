// Connecting a channel while its chatbot is being deleted: the two never leave a channel whose
// chatbot is gone. Either the channel was stored first and goes with the chatbot, or the create
// answers the 404 of an unknown chatbot; in both cases the webhook it set at Telegram is removed.
// PGlite runs one transaction at a time; on PostgreSQL the two requests really overlap.
import { afterAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { startFakeTelegram } from '../../fakes/fake-telegram.ts';
import { PUBLIC_URL, SOON, startChannelApp, telegramUpdate } from './channel-fixtures.ts';

const telegram = await startFakeTelegram();
const { t, ws, close } = await startChannelApp({ PARLEY_TELEGRAM_API_URL: telegram.url });
afterAll(async () => {
  await close();
  await telegram.close();
});

async function newChatbot(): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Short-lived' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

const connect = (chatbot: string, token: string) =>
  t.request({
    method: 'POST',
    url: `/v1/chatbots/${chatbot}/channels`,
    key: ws.liveKey,
    body: { type: 'telegram', bot_token: token },
  });

const deleteChatbot = (chatbot: string) =>
  t.request({ method: 'DELETE', url: `/v1/chatbots/${chatbot}`, key: ws.liveKey });

/**
 * Nothing of the channel that connecting this token made is left: not in the database, not in
 * the API, not at its webhook URL, and its webhook at Telegram is removed (when the create got
 * as far as setting one).
 */
async function expectNothingLeft(chatbot: string, token: string) {
  const rows = await t.context.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM channels WHERE chatbot_id = $1',
    [decodeId('bot', chatbot, 'id')],
  );
  expect(rows[0]!.n).toBe(0);
  const [registration] = telegram.callsOf('setWebhook', token);
  if (!registration) return;
  const url = String(registration.params.url);
  const channelId = url.slice(`${PUBLIC_URL}/hooks/channels/`.length, -'/telegram'.length);
  expect(channelId).toMatch(/^ch_/);
  const got = await t.request({ url: `/v1/channels/${channelId}`, key: ws.liveKey });
  expect(got.statusCode).toBe(404);
  const delivered = await t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}/telegram`,
    body: telegramUpdate(61, 'Anyone there?'),
    headers: { 'x-telegram-bot-api-secret-token': String(registration.params.secret_token) },
  });
  expect(delivered.statusCode).toBe(403);
  await expect.poll(() => telegram.webhookOf(token), SOON).toBeNull();
}

function expectUnknownChatbot(response: Awaited<ReturnType<typeof connect>>, chatbot: string) {
  expect(response.statusCode, response.body).toBe(404);
  expect(response.json().error).toMatchObject({
    type: 'not_found_error',
    code: 'resource_not_found',
    message: `No chatbot found with id '${chatbot}'.`,
    status: 404,
  });
}

describe('connecting a channel while its chatbot is deleted', () => {
  it('answers 404 when the chatbot went during the calls to Telegram, and removes the webhook', async () => {
    const chatbot = await newChatbot();
    const token = '7201:AAHraceTokenHeld';
    const held = telegram.holdNext('setWebhook');
    const creating = connect(chatbot, token);
    await held.reached;
    expect((await deleteChatbot(chatbot)).statusCode).toBe(200);
    held.release();

    expectUnknownChatbot(await creating, chatbot);
    await expectNothingLeft(chatbot, token);
    expect(telegram.callsOf('deleteWebhook', token)).toHaveLength(1);
  });

  it('never leaves a channel of a deleted chatbot when both requests race', async () => {
    for (let round = 0; round < 10; round++) {
      const chatbot = await newChatbot();
      const token = `72${String(10 + round)}:AAHraceTokenRound${round}`;
      let created: Awaited<ReturnType<typeof connect>>;
      let deleted: Awaited<ReturnType<typeof deleteChatbot>>;
      if (round % 3 === 0) {
        [created, deleted] = await Promise.all([connect(chatbot, token), deleteChatbot(chatbot)]);
      } else if (round % 3 === 1) {
        // The delete starts while Telegram is still answering the create's last call.
        const held = telegram.holdNext('setWebhook');
        const creating = connect(chatbot, token);
        await held.reached;
        const deleting = deleteChatbot(chatbot);
        held.release();
        [created, deleted] = await Promise.all([creating, deleting]);
      } else {
        // The delete starts as Telegram has answered, while the create stores the channel.
        const answered = telegram.waitForCalls('setWebhook', telegram.callsOf('setWebhook').length + 1);
        const creating = connect(chatbot, token);
        await answered;
        [created, deleted] = await Promise.all([creating, deleteChatbot(chatbot)]);
      }

      expect(deleted.statusCode, deleted.body).toBe(200);
      // Stored before the delete (which then deleted it with the chatbot), or refused after it:
      // before any call to Telegram, or after them (the webhook they set is then removed).
      if (created.statusCode === 201) expect(created.json().chatbot_id).toBe(chatbot);
      else expectUnknownChatbot(created, chatbot);
      const bot = await t.request({ url: `/v1/chatbots/${chatbot}`, key: ws.liveKey });
      expect(bot.statusCode).toBe(404);
      await expectNothingLeft(chatbot, token);
    }
  });
});

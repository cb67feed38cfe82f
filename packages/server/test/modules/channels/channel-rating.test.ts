// Satisfaction on a messaging channel (Telegram against its fake Bot API): resolving a chat's
// conversation asks it once for a 1–5 rating; a reply that is a rating is recorded with its
// comment, thanked for and kept from the bot; anything else is an ordinary message; a conversation
// already rated is not asked again.
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { conversations } from '../../../src/db/schema.ts';
import { decodeId } from '../../../src/lib/ids.ts';
import { parseRating } from '../../../src/modules/channels/channel-rating.ts';
import { startFakeTelegram } from '../../fakes/fake-telegram.ts';
import { channelEvents, SOON, startChannelApp, telegramUpdate } from './channel-fixtures.ts';

const telegram = await startFakeTelegram();
const { t, ws, bot, close } = await startChannelApp({ PARLEY_TELEGRAM_API_URL: telegram.url });
afterAll(async () => {
  await close();
  await telegram.close();
});

const TOKEN = '7002:AAHfakeTokenForParleyRatings';
const ASK = 'How would you rate the help you got? Reply with a number from 1 (poor) to 5 (great).';
let channelId = '';
let secret = '';

/** The texts Telegram was asked to send to one chat, in order. */
function sentTo(chatId: number): string[] {
  return telegram
    .callsOf('sendMessage')
    .filter((call) => String(call.params.chat_id) === String(chatId))
    .map((call) => String(call.params.text));
}

async function visitorWrites(chatId: number, text: string) {
  const update = telegramUpdate(chatId, text);
  const response = await t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}/telegram`,
    body: update,
    headers: { 'x-telegram-bot-api-secret-token': secret },
  });
  expect(response.statusCode, response.body).toBe(200);
  let row: Record<string, unknown> | undefined;
  await expect
    .poll(async () => {
      row = (await channelEvents(t, ws.liveKey, channelId)).find(
        (event) => event.platform_message_id === String(update.update_id),
      );
      return row?.status;
    }, SOON)
    .toBe('processed');
  return row!.conversation_id as string;
}

async function resolve(conversationId: string) {
  const response = await t.request({
    method: 'PATCH',
    url: `/v1/conversations/${conversationId}`,
    key: ws.liveKey,
    body: { inbox_status: 'resolved' },
  });
  expect(response.statusCode, response.body).toBe(200);
}

const outboundCount = async () =>
  (await channelEvents(t, ws.liveKey, channelId)).filter((row) => row.direction === 'outbound').length;
const csat = async () => (await t.request({ url: '/v1/analytics/csat', key: ws.liveKey })).json();
const conversation = async (id: string) =>
  (await t.request({ url: `/v1/conversations/${id}`, key: ws.liveKey })).json();
const userMessages = async (id: string) =>
  (await t.request({ url: `/v1/conversations/${id}/messages`, key: ws.liveKey }))
    .json()
    .data.filter((message: { role: string }) => message.role === 'user').length;

describe('reading a chat message as a rating', () => {
  it('takes a lone number 1–5 or 1–5 stars, with any text after it as the comment', () => {
    expect(parseRating('5')).toEqual({ rating: 5 });
    expect(parseRating(' 4/5 ')).toEqual({ rating: 4 });
    expect(parseRating('3 stars')).toEqual({ rating: 3 });
    expect(parseRating('1 star')).toEqual({ rating: 1 });
    expect(parseRating('⭐⭐⭐⭐⭐')).toEqual({ rating: 5 });
    expect(parseRating('⭐️⭐️ slow answers')).toEqual({ rating: 2, comment: 'slow answers' });
    expect(parseRating('5 - quick and kind')).toEqual({ rating: 5, comment: 'quick and kind' });
    expect(parseRating('4/5, thanks')).toEqual({ rating: 4, comment: 'thanks' });
    for (const other of ['great', '0', '6', '10', '4.5', '5am', 'Where is my parcel?', '', 'one']) {
      expect(parseRating(other), other).toBeNull();
    }
  });
});

describe('a Telegram chat asked for its rating', () => {
  it('is asked once when the team resolves its conversation', { timeout: 120_000 }, async () => {
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { type: 'telegram', bot_token: TOKEN },
    });
    expect(created.statusCode, created.body).toBe(201);
    channelId = created.json().id;
    secret = telegram.webhookOf(TOKEN)!.secret_token;

    const id = await visitorWrites(61, 'How long do parcels to Iceland take?');
    await expect.poll(() => sentTo(61).length, SOON).toBe(1);
    await resolve(id);
    await expect.poll(() => sentTo(61), SOON).toEqual([expect.stringContaining('9 business days'), ASK]);
    // Resolving what is resolved already asks nothing more.
    const outbound = await outboundCount();
    await resolve(id);
    expect(await outboundCount()).toBe(outbound);
  });

  it('records a rating reply with its comment, thanks for it, and keeps it from the bot', async () => {
    const id = (await channelEvents(t, ws.liveKey, channelId)).find((row) => row.direction === 'inbound')!
      .conversation_id as string;
    expect(await visitorWrites(61, '4/5 quick and kind')).toBe(id);
    await expect.poll(() => sentTo(61).length, SOON).toBe(3);
    expect(sentTo(61)[2]).toBe('Thank you for your rating!');
    expect(await csat()).toMatchObject({ responses: 1, distribution: { '4': 1 } });
    const [row] = await t.context.db.orm
      .select({ comment: conversations.csatComment })
      .from(conversations)
      .where(eq(conversations.id, decodeId('conv', id, 'id')));
    expect(row!.comment).toBe('quick and kind');
    // Not a message to answer: the conversation stays resolved with the visitor's one question.
    expect(await conversation(id)).toMatchObject({ inbox_status: 'resolved' });
    expect(await userMessages(id)).toBe(1);
  });

  it('is not asked again once rated; a new question is answered as usual', async () => {
    const id = (await channelEvents(t, ws.liveKey, channelId)).find((row) => row.direction === 'inbound')!
      .conversation_id as string;
    await visitorWrites(61, '5');
    await expect.poll(() => sentTo(61).length, SOON).toBe(4);
    expect(sentTo(61)[3]).not.toBe('Thank you for your rating!');
    expect(await conversation(id)).toMatchObject({ inbox_status: 'pending' });
    expect((await csat()).responses).toBe(1);
    const outbound = await outboundCount();
    await resolve(id);
    expect(await outboundCount()).toBe(outbound);
  });

  it('treats any other reply as a new message, and asks only once', async () => {
    const id = await visitorWrites(62, 'How long do parcels to Iceland take?');
    await expect.poll(() => sentTo(62).length, SOON).toBe(1);
    await resolve(id);
    await expect.poll(() => sentTo(62).length, SOON).toBe(2);
    expect(sentTo(62)[1]).toBe(ASK);

    await visitorWrites(62, 'And how long to Norway?');
    await expect.poll(() => sentTo(62).length, SOON).toBe(3);
    expect(sentTo(62)[2]).not.toBe('Thank you for your rating!');
    expect(await conversation(id)).toMatchObject({ inbox_status: 'pending' });
    // The question was answered by that message: a number now is a message too.
    await visitorWrites(62, '5');
    await expect.poll(() => sentTo(62).length, SOON).toBe(4);
    expect(sentTo(62)[3]).not.toBe('Thank you for your rating!');
    expect((await csat()).responses).toBe(1);
    expect(await userMessages(id)).toBe(3);
  });

  it('takes stars as the rating', async () => {
    const id = await visitorWrites(63, 'How long do parcels to Iceland take?');
    await expect.poll(() => sentTo(63).length, SOON).toBe(1);
    await resolve(id);
    await expect.poll(() => sentTo(63).length, SOON).toBe(2);
    await visitorWrites(63, '⭐⭐⭐⭐⭐');
    await expect
      .poll(() => sentTo(63), SOON)
      .toEqual([expect.any(String), ASK, 'Thank you for your rating!']);
    expect(await csat()).toMatchObject({ responses: 2, distribution: { '4': 1, '5': 1 } });
    expect(await conversation(id)).toMatchObject({ inbox_status: 'resolved' });
  });
});

// Two workers and one Telegram polling channel: only one of them polls it (Telegram ends a
// getUpdates that another overlaps with 409 Conflict), every update is answered once, and when
// the polling worker stops, the other takes over.
import { afterAll, describe, expect, it } from 'vitest';
import { buildContext, type Context } from '../../../src/runtime/context.ts';
import { jobHandlers } from '../../../src/runtime/job-handlers.ts';
import { startFakeTelegram } from '../../fakes/fake-telegram.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { ownDatabase } from '../../helpers/own-database.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { addShippingPage, SOON, telegramUpdate } from './channel-fixtures.ts';

const telegram = await startFakeTelegram();
const database = await ownDatabase();
afterAll(async () => {
  await telegram.close();
  await database?.drop();
});

describe('a Telegram polling channel with two workers', () => {
  it('is polled by one worker at a time, answers each update once, and fails over', async () => {
    // The API node runs no workers; two worker nodes share its database and job queue.
    const api = await startTestApp({
      PARLEY_TELEGRAM_API_URL: telegram.url,
      PARLEY_TELEGRAM_POLL_TIMEOUT: '1',
      ...(database ? { DATABASE_URL: database.url } : {}),
    });
    const workers: Context[] = [];
    const startWorker = async () => {
      const node = await buildContext(api.config, api.context.logger, api.context.db, api.context.migrations);
      workers.push(node);
      await node.queue.startWorkers(jobHandlers(node));
      return node;
    };
    try {
      const first = await startWorker();
      const owner = await buildWorkspace(api.context);
      const bot = (
        await api.request({
          method: 'POST',
          url: '/v1/chatbots',
          key: owner.liveKey,
          body: { name: 'Polled' },
        })
      ).json().id as string;
      await addShippingPage(api, owner.liveKey, bot);
      const token = '7003:AAHfakeTokenForParleyTests_two';
      const created = await api.request({
        method: 'POST',
        url: `/v1/chatbots/${bot}/channels`,
        key: owner.liveKey,
        body: { type: 'telegram', bot_token: token },
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ mode: 'polling' });
      // The first worker polls the channel; then the second starts.
      await expect.poll(() => telegram.callsOf('getUpdates', token).length, SOON).toBeGreaterThan(0);
      await startWorker();

      const ask = async (chatId: number) => {
        const before = telegram.callsOf('sendMessage', token).length;
        telegram.queueUpdate(token, telegramUpdate(chatId, 'How long do parcels to Iceland take?'));
        await expect.poll(() => telegram.callsOf('sendMessage', token).length, SOON).toBeGreaterThan(before);
      };
      const chats = [101, 102, 103, 104, 105];
      for (const chat of chats) await ask(chat);
      // Several polling rounds of both workers, with nothing queued.
      const polls = telegram.callsOf('getUpdates', token).length;
      await expect.poll(() => telegram.callsOf('getUpdates', token).length, SOON).toBeGreaterThan(polls + 3);

      // The worker that polls stops: the other takes the channel over.
      await first.close();
      workers.splice(workers.indexOf(first), 1);
      chats.push(106, 107);
      await ask(106);
      await ask(107);

      const answered = telegram.callsOf('sendMessage', token).map((call) => Number(call.params.chat_id));
      expect(answered).toEqual(chats);
      expect(telegram.conflictsOf(token)).toBe(0);
    } finally {
      for (const node of workers) await node.close();
      await api.close();
    }
  }, 120_000);
});

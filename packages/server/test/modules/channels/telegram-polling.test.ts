// A Telegram channel without PARLEY_PUBLIC_URL: the worker long-polls getUpdates, answers what
// it finds and confirms it, refuses webhook calls, and moves the channel to a webhook once a node
// starts with a public URL.
import { afterAll, describe, expect, it } from 'vitest';
import { buildContext } from '../../../src/runtime/context.ts';
import { jobHandlers } from '../../../src/runtime/job-handlers.ts';
import { startFakeTelegram } from '../../fakes/fake-telegram.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { ownDatabase } from '../../helpers/own-database.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { addShippingPage, PUBLIC_URL, SOON, telegramUpdate } from './channel-fixtures.ts';

const telegram = await startFakeTelegram();
const database = await ownDatabase();
afterAll(async () => {
  await telegram.close();
  await database?.drop();
});

// Two apps and a second node start within the test: more than the default timeout on a busy machine.
describe('a Telegram channel without a public URL', () => {
  it('long-polls getUpdates and answers what it finds', async () => {
    const polling = await startTestApp(
      {
        PARLEY_TELEGRAM_API_URL: telegram.url,
        PARLEY_TELEGRAM_POLL_TIMEOUT: '1',
        ...(database ? { DATABASE_URL: database.url } : {}),
      },
      { workers: true },
    );
    try {
      const owner = await buildWorkspace(polling.context);
      const created = await polling.request({
        method: 'POST',
        url: '/v1/chatbots',
        key: owner.liveKey,
        body: { name: 'Polling bot' },
      });
      const pollingBot = created.json().id as string;
      await addShippingPage(polling, owner.liveKey, pollingBot);
      const token = '7002:AAHfakeTokenForParleyTests_poll';
      const response = await polling.request({
        method: 'POST',
        url: `/v1/chatbots/${pollingBot}/channels`,
        key: owner.liveKey,
        body: { type: 'telegram', bot_token: token },
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ mode: 'polling', status: 'active' });
      expect(telegram.webhookOf(token)).toBeNull();
      expect(telegram.callsOf('deleteWebhook', token)).toHaveLength(1);

      const sent = telegram.callsOf('sendMessage', token).length;
      const update = telegramUpdate(77, 'How long do parcels to Iceland take?');
      telegram.queueUpdate(token, update);
      await expect.poll(() => telegram.callsOf('sendMessage', token).length, SOON).toBe(sent + 1);
      const reply = telegram.callsOf('sendMessage', token).at(-1)!;
      expect(String(reply.params.chat_id)).toBe('77');
      expect(reply.params.text).toContain('9 business days');
      // The next poll confirms the update: it is not handed out again.
      await expect
        .poll(() => telegram.callsOf('getUpdates', token).at(-1)?.params.offset, SOON)
        .toBe(update.update_id + 1);

      const hook = await polling.request({
        method: 'POST',
        url: `/hooks/channels/${response.json().id}/telegram`,
        body: telegramUpdate(77, 'Sneaking in'),
        headers: { 'x-telegram-bot-api-secret-token': 'guess' },
      });
      expect(hook.statusCode).toBe(403);

      // A node started with PARLEY_PUBLIC_URL moves the channel to a webhook.
      const channelId = response.json().id as string;
      const node = await buildContext(
        { ...polling.config, publicUrl: PUBLIC_URL },
        polling.context.logger,
        polling.context.db,
        polling.context.migrations,
      );
      try {
        await node.queue.startWorkers(jobHandlers(node));
        // The webhook is registered at Telegram first, then the channel's new mode is stored.
        const channelNow = async () =>
          (await polling.request({ url: `/v1/channels/${channelId}`, key: owner.liveKey })).json();
        await expect.poll(async () => (await channelNow()).mode, SOON).toBe('webhook');
        expect(await channelNow()).toMatchObject({ mode: 'webhook', status: 'active' });
        expect(telegram.webhookOf(token)?.url).toBe(`${PUBLIC_URL}/hooks/channels/${channelId}/telegram`);
        const before = telegram.callsOf('sendMessage', token).length;
        const signed = await polling.request({
          method: 'POST',
          url: `/hooks/channels/${channelId}/telegram`,
          body: telegramUpdate(77, 'And to Iceland, how long again?'),
          headers: { 'x-telegram-bot-api-secret-token': telegram.webhookOf(token)!.secret_token },
        });
        expect(signed.statusCode).toBe(200);
        await expect.poll(() => telegram.callsOf('sendMessage', token).length, SOON).toBe(before + 1);
      } finally {
        await node.close();
      }
    } finally {
      await polling.close();
    }
  }, 120_000);
});

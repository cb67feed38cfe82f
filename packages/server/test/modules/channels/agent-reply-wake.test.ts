// What people send on a channel asks for the channel's sender at once: an agent's reply, the
// handoff notice and the rating question each queue the channel's work job when they are
// committed, instead of waiting for the sender's next look for work (every second). No worker
// runs here, so the job waits in the queue where the test can see it, and the sender is run by
// hand to show what it then sends.
import { afterAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { startFakeTelegram } from '../../fakes/fake-telegram.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { agentSays, channelEvents, PUBLIC_URL, telegramUpdate } from './channel-fixtures.ts';

const telegram = await startFakeTelegram();
const t = await startTestApp({ PARLEY_PUBLIC_URL: PUBLIC_URL, PARLEY_TELEGRAM_API_URL: telegram.url });
const ws = await buildWorkspace(t.context);
afterAll(async () => {
  await t.close();
  await telegram.close();
});

const TOKEN = '7302:AAHwakeUpToken';

describe('a message from the team on a channel', () => {
  it('queues the channel’s work as soon as it is committed', async () => {
    const bot = (
      await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.liveKey, body: { name: 'Wake' } })
    ).json().id as string;
    const connected = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { type: 'telegram', bot_token: TOKEN },
    });
    expect(connected.statusCode, connected.body).toBe(201);
    const channelId = connected.json().id as string;
    const channel = decodeId('ch', channelId, 'id');
    const inbound = await t.request({
      method: 'POST',
      url: `/hooks/channels/${channelId}/telegram`,
      body: telegramUpdate(81, 'Hello, is anyone there?'),
      headers: { 'x-telegram-bot-api-secret-token': telegram.webhookOf(TOKEN)!.secret_token },
    });
    expect(inbound.statusCode).toBe(200);

    const queued = async () =>
      (
        await t.context.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${t.config.jobSchema}.job
           WHERE name = 'channel-work' AND singleton_key = $1 AND state = 'created'`,
          [channel],
        )
      )[0]!.n;
    // The message that came in asked for the work; the sender answers it (by hand, here).
    expect(await queued()).toBe(1);
    await t.context.channelWorker.work(channel);
    const conversationId = (await channelEvents(t, ws.liveKey, channelId)).find((row) => row.conversation_id)
      ?.conversation_id as string;
    expect(conversationId).toBeTruthy();
    await t.context.db.query(`DELETE FROM ${t.config.jobSchema}.job WHERE name = 'channel-work'`);
    const sent = telegram.callsOf('sendMessage').length;

    // An agent replies: the work is queued with the reply, which goes out when the sender runs.
    await agentSays(t, ws.liveKey, conversationId, 'Hi, this is Ola from support.');
    expect(await queued()).toBe(1);
    await t.context.channelWorker.work(channel);
    expect(
      telegram
        .callsOf('sendMessage')
        .slice(sent)
        .map((call) => call.params.text),
    ).toEqual(['Hi, this is Ola from support.']);

    // The team resolves the conversation: the rating question is queued, and its work with it.
    await t.context.db.query(`DELETE FROM ${t.config.jobSchema}.job WHERE name = 'channel-work'`);
    const closed = await t.request({
      method: 'PATCH',
      url: `/v1/conversations/${conversationId}`,
      key: ws.liveKey,
      body: { status: 'closed' },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(await queued()).toBe(1);
  });
});

// The monthly message quota: 429 quota_exceeded_error when used up, distinct from the rate limit;
// test mode never counts; GET /v1/usage shows the month's count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlmServer, startFakeOpenAI } from '../../fakes/fake-providers.ts';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let fake: FakeLlmServer;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  t = await startTestApp(
    {
      PARLEY_PLANS: JSON.stringify({ free: { messages_per_month: 3 } }),
      PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
    },
    { workers: true },
  );
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

function chat(key: string, botId: string, message = 'How long do I have to ask for a refund?') {
  return t.request({ method: 'POST', url: `/v1/chatbots/${botId}/chat`, key, body: { message } });
}

describe('monthly message quota', () => {
  it('answers 429 monthly_message_limit_reached once the plan’s messages are used, and counts only live', async () => {
    const ws = await buildWorkspace(t.context, { plan: 'free' });
    const live = await createTrainedBot(t, ws.liveKey);
    const test = await createTrainedBot(t, ws.testKey);
    for (let i = 0; i < 5; i++) expect((await chat(ws.testKey, test.id)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await chat(ws.liveKey, live.id)).statusCode).toBe(200);

    const usage = await t.request({ url: '/v1/usage', key: ws.liveKey });
    expect(usage.statusCode).toBe(200);
    expect(usage.json()).toMatchObject({
      plan: 'free',
      messages: { used: 3, limit: 3, remaining: 0 },
      test_mode_counts: false,
    });
    const now = new Date();
    expect(usage.json().period_start).toBe(
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
    );

    const refused = await chat(ws.liveKey, live.id);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({
      type: 'quota_exceeded_error',
      code: 'monthly_message_limit_reached',
      status: 429,
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Refused means nothing stored, and the test environment still answers.
    const counted = await t.context.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages WHERE workspace_id = $1 AND environment = 'live'`,
      [ws.id],
    );
    expect(counted[0]!.n).toBe(6);
    expect((await chat(ws.testKey, test.id)).statusCode).toBe(200);
    expect((await t.request({ url: '/v1/usage', key: ws.testKey })).json().messages.used).toBe(3);
  });

  it('never lets concurrent chats go past the limit', async () => {
    const ws = await buildWorkspace(t.context, { plan: 'free' });
    const bot = await createTrainedBot(t, ws.liveKey);
    const statuses = await Promise.all(Array.from({ length: 8 }, () => chat(ws.liveKey, bot.id)));
    expect(statuses.filter((response) => response.statusCode === 200)).toHaveLength(3);
    expect(statuses.filter((response) => response.statusCode === 429)).toHaveLength(5);
  });

  it('gives the message back when the provider fails', async () => {
    const ws = await buildWorkspace(t.context, { plan: 'free' });
    const bot = await createTrainedBot(t, ws.liveKey);
    const integration = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot.id}/integrations`,
      key: ws.liveKey,
      body: { provider: 'openai_compatible', model: 'acme-chat', base_url: fake.baseUrl },
    });
    expect(integration.statusCode).toBe(201);
    fake.setBehavior({ type: 'error', status: 400 });
    expect((await chat(ws.liveKey, bot.id)).statusCode).toBe(502);
    expect(fake.requests.length).toBeGreaterThan(0);
    expect((await t.request({ url: '/v1/usage', key: ws.liveKey })).json().messages.used).toBe(0);
    fake.setBehavior(null);
  });

  it('shows unlimited plans with a null limit', async () => {
    const ws = await buildWorkspace(t.context, { plan: 'enterprise' });
    const usage = (await t.request({ url: '/v1/usage', key: ws.liveKey })).json();
    expect(usage.messages).toEqual({ used: 0, limit: null, remaining: null });
    expect((await t.request({ url: '/v1/usage' })).statusCode).toBe(401);
  });
});

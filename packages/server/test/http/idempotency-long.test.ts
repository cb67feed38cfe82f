// An Idempotency-Key held by a request that runs longer than the stale time (a slow model, a long
// stream) stays held: a retry meanwhile is a 409, not a second run. Only a request that stopped
// renewing its key (a crash) gives it up. The stale time is 1 s here (60 s by default).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlmServer, startFakeOpenAI } from '../fakes/fake-providers.ts';
import { createTrainedBot } from '../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let fake: FakeLlmServer;
let botId: string;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-slow' });
  t = await startTestApp(
    { PARLEY_ALLOW_PRIVATE_NETWORK: 'true', PARLEY_IDEMPOTENCY_STALE_SECONDS: '1' },
    { workers: true },
  );
  ws = await buildWorkspace(t.context);
  botId = (await createTrainedBot(t, ws.liveKey)).id;
  const integration = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/integrations`,
    key: ws.liveKey,
    body: { provider: 'openai_compatible', model: 'slow', base_url: fake.baseUrl, api_key: 'sk-slow' },
  });
  expect(integration.statusCode).toBe(201);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

describe('an Idempotency-Key held longer than the stale time', () => {
  it('refuses a retry while the first request still runs, and runs the work once', async () => {
    fake.reset();
    fake.setBehavior({ type: 'delay', ms: 3000 });
    const send = () =>
      t.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/chat`,
        key: ws.liveKey,
        body: { message: 'How long do I have to ask for a refund?' },
        headers: { 'idempotency-key': 'slow-chat-1' },
      });
    const first = send();
    await expect.poll(() => fake.requests.length, { timeout: 10_000, interval: 20 }).toBe(1);
    // Past the stale time, while the model is still thinking.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const retry = await send();
    expect(retry.statusCode, retry.body).toBe(409);
    expect(retry.json().error).toMatchObject({ type: 'idempotency_error' });
    const done = await first;
    expect(done.statusCode, done.body).toBe(200);
    expect(fake.requests).toHaveLength(1);
    const replayed = await send();
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json()).toEqual(done.json());
  });
});

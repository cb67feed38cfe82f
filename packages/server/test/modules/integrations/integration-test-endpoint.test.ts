// POST /v1/integrations/{id}/test against local servers that speak each provider's protocol.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlmServer, startFakeProvider } from '../../fakes/fake-providers.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

const KEY = 'sk-test-provider-key-7777';
let t: TestApp;
let ws: TestWorkspace;
const fakes: Record<string, FakeLlmServer> = {};

beforeAll(async () => {
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' });
  ws = await buildWorkspace(t.context);
  for (const provider of ['openai', 'gemini', 'anthropic', 'ollama'] as const) {
    fakes[provider] = await startFakeProvider(provider, { apiKey: provider === 'ollama' ? undefined : KEY });
  }
});
afterAll(async () => {
  for (const fake of Object.values(fakes)) await fake.close();
  await t.close();
});

async function integrationFor(provider: string, overrides: Record<string, unknown> = {}) {
  const bot = (
    await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: ws.liveKey,
      body: { name: `${provider} bot` },
    })
  ).json();
  const fake = fakes[provider === 'openai_compatible' ? 'openai' : provider]!;
  const body = {
    provider,
    model: 'test-model',
    base_url: fake.baseUrl,
    ...(provider === 'ollama' ? {} : { api_key: KEY }),
    ...overrides,
  };
  const created = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${bot.id}/integrations`,
    key: ws.liveKey,
    body,
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json();
}

describe('POST /v1/integrations/{id}/test', () => {
  it.each(['openai', 'openai_compatible', 'gemini', 'anthropic', 'ollama'])(
    'makes one real call through %s and records success',
    async (provider) => {
      const integration = await integrationFor(provider);
      const fake = fakes[provider === 'openai_compatible' ? 'openai' : provider]!;
      const before = fake.requests.length;
      const response = await t.request({
        method: 'POST',
        url: `/v1/integrations/${integration.id}/test`,
        key: ws.liveKey,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ ok: true, error: null });
      expect(response.json().latency_ms).toBeGreaterThanOrEqual(0);
      expect(fake.requests.length).toBe(before + 1);
      const sent = fake.requests.at(-1)!;
      if (provider !== 'ollama') expect(fake.credentialOf(sent)).toBe(KEY);
      const after = (await t.request({ url: `/v1/integrations/${integration.id}`, key: ws.liveKey })).json();
      expect(after).toMatchObject({ status: 'active', last_error: null });
      expect(after.last_checked_at).not.toBeNull();
    },
  );

  it('marks the integration failing when the provider refuses the key, without echoing it', async () => {
    const integration = await integrationFor('anthropic', { api_key: 'sk-wrong-key-0000' });
    const response = await t.request({
      method: 'POST',
      url: `/v1/integrations/${integration.id}/test`,
      key: ws.liveKey,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.ok).toBe(false);
    expect(body.error).toMatchObject({ type: 'provider_error', code: 'provider_auth_failed' });
    expect(body.error.message).toMatch(/credential|key|refused|unauthori/i);
    expect(response.body).not.toContain('sk-wrong-key');
    const after = (await t.request({ url: `/v1/integrations/${integration.id}`, key: ws.liveKey })).json();
    expect(after.status).toBe('failing');
    expect(after.last_error).toBe(body.error.message);
    expect(JSON.stringify(after)).not.toContain('sk-wrong-key');
    const events = await t.context.db.query<{ type: string; data: { id: string; status: string } }>(
      "SELECT type, data FROM events WHERE type = 'integration.failed'",
    );
    expect(events.filter((e) => e.data.id === integration.id)).toEqual([
      {
        type: 'integration.failed',
        data: expect.objectContaining({ id: integration.id, status: 'failing' }),
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('sk-wrong-key');
    // A second failing test does not announce it again.
    await t.request({ method: 'POST', url: `/v1/integrations/${integration.id}/test`, key: ws.liveKey });
    const again = await t.context.db.query("SELECT id FROM events WHERE type = 'integration.failed'");
    expect(again).toHaveLength(events.length);
    // The bot still shows the provider: a failing integration is still the one it answers through.
    expect(
      (await t.request({ url: `/v1/chatbots/${after.chatbot_id}`, key: ws.liveKey })).json().provider,
    ).toBe('anthropic');
  });

  it('reports a server error and recovers once the provider works again', async () => {
    const integration = await integrationFor('openai');
    fakes.openai!.setBehavior({ type: 'error', status: 500 });
    try {
      const failed = (
        await t.request({ method: 'POST', url: `/v1/integrations/${integration.id}/test`, key: ws.liveKey })
      ).json();
      expect(failed).toMatchObject({ ok: false, error: { code: 'provider_unavailable' } });
    } finally {
      fakes.openai!.setBehavior(null);
    }
    const ok = (
      await t.request({ method: 'POST', url: `/v1/integrations/${integration.id}/test`, key: ws.liveKey })
    ).json();
    expect(ok.ok).toBe(true);
    expect(
      (await t.request({ url: `/v1/integrations/${integration.id}`, key: ws.liveKey })).json().status,
    ).toBe('active');
  });

  it('refuses to reach a private address unless the private network is allowed', async () => {
    const guarded = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'false' });
    try {
      const own = await buildWorkspace(guarded.context);
      const bot = (
        await guarded.request({ method: 'POST', url: '/v1/chatbots', key: own.liveKey, body: { name: 'b' } })
      ).json();
      const integration = (
        await guarded.request({
          method: 'POST',
          url: `/v1/chatbots/${bot.id}/integrations`,
          key: own.liveKey,
          body: { provider: 'openai', model: 'm', api_key: KEY, base_url: fakes.openai!.baseUrl },
        })
      ).json();
      const before = fakes.openai!.requests.length;
      const result = (
        await guarded.request({
          method: 'POST',
          url: `/v1/integrations/${integration.id}/test`,
          key: own.liveKey,
        })
      ).json();
      expect(result.ok).toBe(false);
      expect(result.error.message).toMatch(/private|loopback|not allowed/i);
      expect(fakes.openai!.requests.length).toBe(before);
    } finally {
      await guarded.close();
    }
  }, 120_000); // starts a second server of its own
});

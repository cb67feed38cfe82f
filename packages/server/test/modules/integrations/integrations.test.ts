import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
beforeAll(async () => {
  t = await startTestApp({ GEMINI_API_KEY: 'env-gemini-key-1234' });
  ws = await buildWorkspace(t.context);
});
afterAll(async () => {
  await t.close();
});

async function createBot(key = ws.liveKey) {
  const response = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key,
    body: { name: 'Integrated' },
  });
  return response.json();
}

async function createIntegration(botId: string, body: Record<string, unknown>, key = ws.liveKey) {
  return t.request({ method: 'POST', url: `/v1/chatbots/${botId}/integrations`, key, body });
}

describe('POST /v1/chatbots/{id}/integrations', () => {
  it('stores the provider key encrypted, shows only its last four, and sets the bot provider', async () => {
    const bot = await createBot();
    const response = await createIntegration(bot.id, {
      provider: 'chatgpt',
      model: 'gpt-4o-mini',
      api_key: 'sk-secret-provider-key-9876',
    });
    expect(response.statusCode).toBe(201);
    const integration = response.json();
    expect(integration).toMatchObject({
      chatbot_id: bot.id,
      provider: 'openai',
      model: 'gpt-4o-mini',
      embedding_model: null,
      base_url: null,
      api_key_set: true,
      api_key_last_four: '9876',
      api_key_source: 'integration',
      status: 'active',
      last_error: null,
      last_checked_at: null,
    });
    expect(integration.id).toMatch(/^int_/);
    expect(response.body).not.toContain('sk-secret');
    const stored = await t.context.db.query<Record<string, unknown>>('SELECT * FROM integrations');
    expect(JSON.stringify(stored)).not.toContain('sk-secret-provider-key');
    expect((await t.request({ url: `/v1/chatbots/${bot.id}`, key: ws.liveKey })).json().provider).toBe(
      'openai',
    );
    const got = await t.request({ url: `/v1/integrations/${integration.id}`, key: ws.liveKey });
    expect(got.json()).toEqual(integration);
  });

  it('keeps one enabled integration per bot: a new one disables the previous', async () => {
    const bot = await createBot();
    const first = (
      await createIntegration(bot.id, { provider: 'openai', model: 'gpt-4o-mini', api_key: 'sk-1' })
    ).json();
    const second = (
      await createIntegration(bot.id, {
        provider: 'ollama',
        model: 'llama3.2',
        base_url: 'http://127.0.0.1:11434',
      })
    ).json();
    expect(second.status).toBe('active');
    expect((await t.request({ url: `/v1/integrations/${first.id}`, key: ws.liveKey })).json().status).toBe(
      'disabled',
    );
    expect((await t.request({ url: `/v1/chatbots/${bot.id}`, key: ws.liveKey })).json().provider).toBe(
      'ollama',
    );

    const reenabled = await t.request({
      method: 'PATCH',
      url: `/v1/integrations/${first.id}`,
      key: ws.liveKey,
      body: { status: 'active' },
    });
    expect(reenabled.json().status).toBe('active');
    expect((await t.request({ url: `/v1/integrations/${second.id}`, key: ws.liveKey })).json().status).toBe(
      'disabled',
    );
    expect((await t.request({ url: `/v1/chatbots/${bot.id}`, key: ws.liveKey })).json().provider).toBe(
      'openai',
    );

    const list = (await t.request({ url: `/v1/chatbots/${bot.id}/integrations`, key: ws.liveKey })).json();
    expect(list.data.map((i: { id: string }) => i.id)).toEqual([second.id, first.id]);

    await t.request({
      method: 'PATCH',
      url: `/v1/integrations/${first.id}`,
      key: ws.liveKey,
      body: { status: 'disabled' },
    });
    expect((await t.request({ url: `/v1/chatbots/${bot.id}`, key: ws.liveKey })).json().provider).toBe(
      'extractive',
    );
  });

  it("uses the server's environment credential when no key is given", async () => {
    const bot = await createBot();
    const response = await createIntegration(bot.id, { provider: 'gemini', model: 'gemini-2.0-flash' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      api_key_set: false,
      api_key_last_four: null,
      api_key_source: 'environment',
    });
    expect(response.body).not.toContain('env-gemini-key');
  });

  it.each([
    [{ provider: 'mistral', model: 'm' }, 'provider'],
    [{ provider: 'openai' }, 'model'],
    [{ provider: 'openai', model: '' }, 'model'],
    [{ provider: 'openai', model: 'gpt 4' }, 'model'],
    [{ provider: 'anthropic', model: 'claude-3-5-haiku-latest' }, 'api_key'],
    [{ provider: 'openai_compatible', model: 'x', api_key: 'k' }, 'base_url'],
    [{ provider: 'ollama', model: 'llama3.2', base_url: 'not a url' }, 'base_url'],
    [{ provider: 'ollama', model: 'llama3.2', base_url: 'ftp://host/api' }, 'base_url'],
    [{ provider: 'ollama', model: 'llama3.2', base_url: 'http://user:pass@host:11434' }, 'base_url'],
    [{ provider: 'openai', model: 'gpt-4o', api_key: 'k', temperature: 1 }, 'temperature'],
    [{ provider: 'openai', model: 'gpt-4o', api_key: 'k'.repeat(1001) }, 'api_key'],
    [{ provider: 'openai', model: 'gpt-4o', api_key: 'k', status: 'failing' }, 'status'],
  ])('rejects %j naming %s, and creates nothing', async (body, param) => {
    const bot = await createBot();
    const response = await createIntegration(bot.id, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', param });
    expect(response.body).not.toContain('kkkkkkkk');
    const list = (await t.request({ url: `/v1/chatbots/${bot.id}/integrations`, key: ws.liveKey })).json();
    expect(list.data).toEqual([]);
  });
});

describe('PATCH and DELETE /v1/integrations/{id}', () => {
  it('replaces or removes the stored key', async () => {
    const bot = await createBot();
    const created = (
      await createIntegration(bot.id, {
        provider: 'openai_compatible',
        model: 'local',
        base_url: 'https://llm.example.com/v1/',
        api_key: 'first-key-AAAA',
      })
    ).json();
    expect(created.base_url).toBe('https://llm.example.com/v1');
    const patched = await t.request({
      method: 'PATCH',
      url: `/v1/integrations/${created.id}`,
      key: ws.liveKey,
      body: { api_key: 'second-key-BBBB', model: 'other', embedding_model: 'embed-small' },
    });
    expect(patched.json()).toMatchObject({
      api_key_last_four: 'BBBB',
      model: 'other',
      embedding_model: 'embed-small',
    });
    const cleared = await t.request({
      method: 'PATCH',
      url: `/v1/integrations/${created.id}`,
      key: ws.liveKey,
      body: { api_key: null },
    });
    expect(cleared.json()).toMatchObject({
      api_key_set: false,
      api_key_last_four: null,
      api_key_source: 'none',
    });
    const noBase = await t.request({
      method: 'PATCH',
      url: `/v1/integrations/${created.id}`,
      key: ws.liveKey,
      body: { base_url: null },
    });
    expect(noBase.statusCode).toBe(400);
    const deleted = await t.request({
      method: 'DELETE',
      url: `/v1/integrations/${created.id}`,
      key: ws.liveKey,
    });
    expect(deleted.json()).toEqual({ id: created.id, deleted: true });
    expect((await t.request({ url: `/v1/integrations/${created.id}`, key: ws.liveKey })).statusCode).toBe(
      404,
    );
    expect((await t.request({ url: `/v1/chatbots/${bot.id}`, key: ws.liveKey })).json().provider).toBe(
      'extractive',
    );
  });

  it('goes away with its chatbot', async () => {
    const bot = await createBot();
    const created = (await createIntegration(bot.id, { provider: 'ollama', model: 'llama3.2' })).json();
    await t.request({ method: 'DELETE', url: `/v1/chatbots/${bot.id}`, key: ws.liveKey });
    expect((await t.request({ url: `/v1/integrations/${created.id}`, key: ws.liveKey })).statusCode).toBe(
      404,
    );
    expect(
      (await t.request({ url: `/v1/chatbots/${bot.id}/integrations`, key: ws.liveKey })).statusCode,
    ).toBe(404);
  });
});

describe('security', () => {
  it('answers 404 to another workspace or environment', async () => {
    const bot = await createBot();
    const created = (await createIntegration(bot.id, { provider: 'ollama', model: 'llama3.2' })).json();
    const other = await buildWorkspace(t.context);
    for (const key of [other.liveKey, ws.testKey]) {
      expect((await t.request({ url: `/v1/integrations/${created.id}`, key })).statusCode).toBe(404);
      expect(
        (
          await t.request({
            method: 'PATCH',
            url: `/v1/integrations/${created.id}`,
            key,
            body: { model: 'x' },
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (await t.request({ method: 'DELETE', url: `/v1/integrations/${created.id}`, key })).statusCode,
      ).toBe(404);
      expect(
        (await t.request({ method: 'POST', url: `/v1/integrations/${created.id}/test`, key })).statusCode,
      ).toBe(404);
      expect((await createIntegration(bot.id, { provider: 'ollama', model: 'x' }, key)).statusCode).toBe(404);
      expect((await t.request({ url: `/v1/chatbots/${bot.id}/integrations`, key })).statusCode).toBe(404);
    }
    expect((await t.request({ url: `/v1/integrations/${created.id}`, key: ws.liveKey })).json().model).toBe(
      'llama3.2',
    );
  });
});

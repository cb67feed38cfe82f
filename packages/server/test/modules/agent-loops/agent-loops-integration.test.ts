// A loop with an integration of its own: its runs call that integration's model (its server, its
// model name, its key), not its chatbot's; `integration_id: null` puts it back on the chatbot's;
// an id that is malformed, unknown, another workspace's or the other environment's is refused in
// the error envelope and changes nothing; deleting the integration (or the chatbot it belongs to)
// puts the loop back on its chatbot's integration.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeLlmServer } from '../../fakes/fake-llm-server.ts';
import { startFakeOpenAI } from '../../fakes/fake-openai.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { createBot, createLoop, run } from './loop-helpers.ts';

const botLlm = await startFakeOpenAI();
const ownLlm = await startFakeOpenAI();
const t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true, ownDatabase: true });
afterAll(async () => {
  await t.close();
  await botLlm.close();
  await ownLlm.close();
});
const ws = await buildWorkspace(t.context);
const bot = await createBot(t, ws.liveKey, botLlm);

beforeEach(() => {
  botLlm.reset();
  ownLlm.reset();
});

/** Adds an integration on the fake to the bot; disabled, it leaves the bot's enabled one answering. */
async function addIntegration(key: string, botId: string, llm: FakeLlmServer, apiKey: string) {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/integrations`,
    key,
    body: {
      provider: 'openai',
      model: 'gpt-loop',
      api_key: apiKey,
      base_url: llm.baseUrl,
      status: 'disabled',
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as string;
}

const finish = (output: string) => ({
  chunks: [],
  toolCalls: [{ id: 'call_finish', name: 'finish', arguments: { output } }],
  inputTokens: 10,
  outputTokens: 5,
});

async function readLoop(id: string) {
  const response = await t.request({ url: `/v1/agent-loops/${id}`, key: ws.liveKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

const other = await buildWorkspace(t.context);
const otherIntegration = await addIntegration(
  other.liveKey,
  await createBot(t, other.liveKey),
  ownLlm,
  'sk-x',
);
const testIntegration = await addIntegration(ws.testKey, await createBot(t, ws.testKey), ownLlm, 'sk-y');

describe('a loop with an integration of its own', () => {
  it("runs on that integration's model and never calls the chatbot's", async () => {
    const own = await addIntegration(ws.liveKey, bot, ownLlm, 'sk-own-loop');
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, integration_id: own, tools: ['finish'] });
    expect(loop).toMatchObject({ chatbot_id: bot, integration_id: own, warnings: [] });
    expect(await readLoop(loop.id)).toMatchObject({ integration_id: own });
    const list = await t.request({ url: '/v1/agent-loops', key: ws.liveKey });
    expect(list.json().data.find((row: { id: string }) => row.id === loop.id)).toMatchObject({
      integration_id: own,
    });

    ownLlm.script(finish('from the own model'));
    const execution = await run(t, ws.liveKey, loop.id);
    expect(execution, JSON.stringify(execution)).toMatchObject({
      status: 'succeeded',
      output: 'from the own model',
    });
    expect(ownLlm.requests).toHaveLength(1);
    expect(ownLlm.lastPrompt()).toMatchObject({ model: 'gpt-loop', credential: 'sk-own-loop' });
    expect(botLlm.requests).toHaveLength(0);
  });

  it("goes back to the chatbot's integration with integration_id null, and to its own when named again", async () => {
    const own = await addIntegration(ws.liveKey, bot, ownLlm, 'sk-own-loop');
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, integration_id: own, tools: ['finish'] });

    const cleared = await t.request({
      method: 'PATCH',
      url: `/v1/agent-loops/${loop.id}`,
      key: ws.liveKey,
      body: { integration_id: null },
    });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toMatchObject({ integration_id: null, warnings: [] });
    botLlm.script(finish('from the chatbot model'));
    expect(await run(t, ws.liveKey, loop.id)).toMatchObject({
      status: 'succeeded',
      output: 'from the chatbot model',
    });
    expect(botLlm.requests).toHaveLength(1);
    expect(ownLlm.requests).toHaveLength(0);

    const named = await t.request({
      method: 'PATCH',
      url: `/v1/agent-loops/${loop.id}`,
      key: ws.liveKey,
      body: { integration_id: own },
    });
    expect(named.json()).toMatchObject({ integration_id: own });
    ownLlm.script(finish('own again'));
    expect(await run(t, ws.liveKey, loop.id)).toMatchObject({ status: 'succeeded', output: 'own again' });
    expect(botLlm.requests).toHaveLength(1);
  });

  it('runs on an integration of another chatbot of the workspace', async () => {
    const other = await createBot(t, ws.liveKey);
    const own = await addIntegration(ws.liveKey, other, ownLlm, 'sk-other-bot');
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, integration_id: own, tools: ['finish'] });
    ownLlm.script(finish('borrowed'));
    expect(await run(t, ws.liveKey, loop.id)).toMatchObject({ status: 'succeeded', output: 'borrowed' });
    expect(ownLlm.lastPrompt().credential).toBe('sk-other-bot');
    expect(botLlm.requests).toHaveLength(0);

    // Deleting that chatbot takes its integration with it: the loop is on its own chatbot's.
    const deleted = await t.request({ method: 'DELETE', url: `/v1/chatbots/${other}`, key: ws.liveKey });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(await run(t, ws.liveKey, loop.id)).toMatchObject({
      status: 'succeeded',
      output: 'Hello from the fake model.',
    });
    expect(botLlm.requests).toHaveLength(1);
    expect(ownLlm.requests).toHaveLength(1);
  });

  it("puts the loop back on its chatbot's integration when its own is deleted", async () => {
    const own = await addIntegration(ws.liveKey, bot, ownLlm, 'sk-own-loop');
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, integration_id: own, tools: ['finish'] });
    const deleted = await t.request({ method: 'DELETE', url: `/v1/integrations/${own}`, key: ws.liveKey });
    expect(deleted.statusCode, deleted.body).toBe(200);

    expect(await readLoop(loop.id)).toMatchObject({ integration_id: null, warnings: [] });
    expect(await run(t, ws.liveKey, loop.id)).toMatchObject({
      status: 'succeeded',
      output: 'Hello from the fake model.',
    });
    expect(botLlm.requests).toHaveLength(1);
    expect(ownLlm.requests).toHaveLength(0);
  });
});

describe('bad integration ids', () => {
  const cases: [string, unknown, number][] = [
    ['malformed', 'int_not-an-id', 400],
    ["another type's id", bot, 400],
    ['not a string', 42, 400],
    ['unknown', 'int_01jdz6qg0ef8s9cm8y0d7sv9k2', 404],
    ["another workspace's", otherIntegration, 404],
    ["the test environment's", testIntegration, 404],
  ];

  it.each(cases)('refuses a %s one on create, storing nothing', async (_, integrationId, status) => {
    const fresh = await createBot(t, ws.liveKey, botLlm);
    const before = await t.request({ url: '/v1/agent-loops?page_size=100', key: ws.liveKey });
    const response = await t.request({
      method: 'POST',
      url: '/v1/agent-loops',
      key: ws.liveKey,
      body: {
        name: 'Refused',
        chatbot_id: fresh,
        integration_id: integrationId,
        instructions: 'Work.',
        tools: ['finish'],
        trigger: { type: 'manual' },
      },
    });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error).toMatchObject({
      type: status === 404 ? 'not_found_error' : 'invalid_request_error',
      param: 'integration_id',
      status,
    });
    if (status === 404) expect(response.json().error.message).toContain('No integration found');
    const after = await t.request({ url: '/v1/agent-loops?page_size=100', key: ws.liveKey });
    expect(after.json().data).toEqual(before.json().data);
  });

  it.each(cases)('refuses a %s one on update, changing nothing', async (_, integrationId, status) => {
    const own = await addIntegration(ws.liveKey, bot, ownLlm, 'sk-own-loop');
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, integration_id: own, tools: ['finish'] });
    const response = await t.request({
      method: 'PATCH',
      url: `/v1/agent-loops/${loop.id}`,
      key: ws.liveKey,
      body: { name: 'Renamed', integration_id: integrationId },
    });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json().error).toMatchObject({ param: 'integration_id', status });
    expect(await readLoop(loop.id)).toMatchObject({ name: 'Loop', integration_id: own });
  });
});

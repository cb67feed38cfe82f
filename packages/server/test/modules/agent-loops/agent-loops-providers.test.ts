// Agent loops on every provider that calls tools, each against a fake speaking its own wire
// protocol: Anthropic's tool_use and tool_result blocks, Gemini's functionCall and
// functionResponse parts, Ollama's message.tool_calls and role "tool" messages. The same run
// (search the knowledge, record a lead, finish) goes through each, and each provider is shown
// the tools and given the results in its own shape.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../fakes/fake-anthropic.ts';
import { startFakeGemini } from '../../fakes/fake-gemini.ts';
import { type FakeLlmServer, field } from '../../fakes/fake-llm-server.ts';
import { startFakeOllama } from '../../fakes/fake-ollama.ts';
import { waitReady } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { createLoop, run } from './loop-helpers.ts';

const fakes = {
  anthropic: await startFakeAnthropic(),
  gemini: await startFakeGemini(),
  ollama: await startFakeOllama(),
};
const t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true, ownDatabase: true });
afterAll(async () => {
  await t.close();
  for (const fake of Object.values(fakes)) await fake.close();
});
const ws = await buildWorkspace(t.context);

const MODELS = { anthropic: 'claude-3-5-haiku-latest', gemini: 'gemini-2.0-flash', ollama: 'llama3.2' };

/** What each provider was offered as tools, read from its own request shape. */
const OFFERED: Record<keyof typeof fakes, (body: unknown) => string[]> = {
  anthropic: (body) => ((field(body, 'tools') as { name: string }[]) ?? []).map((tool) => tool.name),
  gemini: (body) =>
    ((field(body, 'tools', 0, 'functionDeclarations') as { name: string }[]) ?? []).map((tool) => tool.name),
  ollama: (body) =>
    ((field(body, 'tools') as { function: { name: string } }[]) ?? []).map((tool) => tool.function.name),
};

/** The tool results sent back in the last request, as text, from the provider's own shape. */
const RESULTS: Record<keyof typeof fakes, (body: unknown) => string[]> = {
  anthropic: (body) =>
    ((field(body, 'messages') as { content: unknown }[]) ?? [])
      .flatMap((message) => (Array.isArray(message.content) ? message.content : []))
      .filter((block) => field(block, 'type') === 'tool_result')
      .map((block) => JSON.stringify(block)),
  gemini: (body) =>
    ((field(body, 'contents') as { parts: unknown[] }[]) ?? [])
      .flatMap((content) => content.parts ?? [])
      .filter((part) => field(part, 'functionResponse') !== undefined)
      .map((part) => JSON.stringify(part)),
  ollama: (body) =>
    ((field(body, 'messages') as { role: string }[]) ?? [])
      .filter((message) => message.role === 'tool')
      .map((message) => JSON.stringify(message)),
};

async function botOn(provider: keyof typeof fakes, fake: FakeLlmServer): Promise<string> {
  const bot = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: provider },
  });
  const id = bot.json().id as string;
  const integration = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${id}/integrations`,
    key: ws.liveKey,
    body: {
      provider,
      model: MODELS[provider],
      base_url: fake.baseUrl,
      ...(provider === 'ollama' ? {} : { api_key: `key-${provider}` }),
    },
  });
  expect(integration.statusCode, integration.body).toBe(201);
  const source = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${id}/sources`,
    key: ws.liveKey,
    body: { type: 'text', title: 'Refund policy', content: 'Refunds are paid within 30 days of the return.' },
  });
  expect(source.statusCode, source.body).toBe(202);
  await waitReady(t, ws.liveKey, source.json().id);
  return id;
}

// Set up before the tests: Anthropic has no embeddings, so its bot's knowledge is embedded by the
// local model, whose first load takes a while on a busy machine.
const bots = {
  anthropic: await botOn('anthropic', fakes.anthropic),
  gemini: await botOn('gemini', fakes.gemini),
  ollama: await botOn('ollama', fakes.ollama),
};

describe.each(Object.keys(fakes) as (keyof typeof fakes)[])('a loop on %s', (provider) => {
  it('runs two tools and finishes, the calls and results in the provider’s own shape', async () => {
    const fake = fakes[provider];
    const bot = bots[provider];
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      instructions: 'Find the refund policy and record the customer.',
      tools: ['search_knowledge', 'upsert_lead'],
    });
    fake.reset();
    const call = (name: string, args: unknown) => ({
      chunks: [],
      toolCalls: [{ id: `call_${name}`, name, arguments: args }],
      inputTokens: 30,
      outputTokens: 6,
    });
    fake.script(
      call('search_knowledge', { query: 'refund' }),
      call('upsert_lead', { email: `ana+${provider}@example.com`, name: 'Ana' }),
      call('finish', { output: 'Refunds within 30 days; Ana saved.' }),
    );
    const execution = await run(t, ws.liveKey, loop.id, { customer: 'Ana' });
    expect(execution.status, JSON.stringify(execution)).toBe('succeeded');
    expect(execution.output).toBe('Refunds within 30 days; Ana saved.');
    expect(execution.steps.map((step) => [step.kind, step.tool ?? null, step.status])).toEqual([
      ['model', null, 'succeeded'],
      ['tool', 'search_knowledge', 'succeeded'],
      ['model', null, 'succeeded'],
      ['tool', 'upsert_lead', 'succeeded'],
      ['model', null, 'succeeded'],
      ['tool', 'finish', 'succeeded'],
    ]);
    expect(execution.steps[1]!.input).toEqual({ query: 'refund' });
    expect(JSON.stringify(execution.steps[1]!.output)).toContain('Refunds are paid within 30 days');
    expect(execution.tokens_used).toBe(108);

    // Model turns only: searching the knowledge may also embed the query.
    const requests = fake.requests.filter((request) =>
      /\/messages$|:generateContent$|\/api\/chat$/.test(request.path),
    );
    expect(requests).toHaveLength(3);
    expect(OFFERED[provider](requests[0]!.body)).toEqual(['search_knowledge', 'upsert_lead', 'finish']);
    // The last turn was given both results: the policy found, and the lead recorded.
    const results = RESULTS[provider](requests[2]!.body);
    expect(results).toHaveLength(2);
    expect(results[0]).toContain('Refunds are paid within 30 days');
    expect(results[1]).toContain(`ana+${provider}@example.com`);

    const leads = await t.request({ url: '/v1/leads', key: ws.liveKey });
    expect(leads.json().data.map((lead: { email: string }) => lead.email)).toContain(
      `ana+${provider}@example.com`,
    );
  });
});

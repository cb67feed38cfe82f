// Agent loops' settings: create, list, read, change and delete; bad input answers 400 in the
// error envelope and stores nothing; another workspace or the other environment never sees a
// loop or an execution; secrets are write-only.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../fakes/fake-openai.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { createBot, createLoop } from './loop-helpers.ts';

const llm = await startFakeOpenAI();
const t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' });
afterAll(async () => {
  await t.close();
  await llm.close();
});
const ws = await buildWorkspace(t.context);
const bot = await createBot(t, ws.liveKey, llm);

describe('creating a loop', () => {
  it('stores tools as strings or objects, the trigger, default limits and hides the secrets', async () => {
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      name: 'Escalation helper',
      tools: ['search_knowledge', { name: 'send_message', needs_approval: true }, { name: 'finish' }],
      trigger: { type: 'event', event: 'conversation.escalated', filter: { chatbot_id: bot } },
      allowed_hosts: ['API.Example.com', '*.shop.example'],
      secrets: { ORDER_TOKEN: 'tok-very-secret' },
    });
    expect(loop).toMatchObject({
      name: 'Escalation helper',
      chatbot_id: bot,
      integration_id: null,
      tools: [
        { name: 'search_knowledge', needs_approval: false },
        { name: 'send_message', needs_approval: true },
        { name: 'finish', needs_approval: false },
      ],
      trigger: { type: 'event', event: 'conversation.escalated', filter: { chatbot_id: bot } },
      limits: { max_steps: 20, max_tool_calls: 20, timeout_seconds: 300, token_budget: 50_000 },
      allowed_hosts: ['api.example.com', '*.shop.example'],
      secret_names: ['ORDER_TOKEN'],
      enabled: true,
      next_run_at: null,
      warnings: [],
    });
    expect(loop.id).toMatch(/^loop_/);
    const read = await t.request({ url: `/v1/agent-loops/${loop.id}`, key: ws.liveKey });
    expect(read.body).not.toContain('tok-very-secret');
    expect(read.json().secret_names).toEqual(['ORDER_TOKEN']);
  });

  it('warns when the chatbot has no model that calls tools', async () => {
    const offline = await createBot(t, ws.liveKey);
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: offline, tools: ['finish'] });
    expect(loop.warnings).toEqual([expect.stringContaining('no enabled integration')]);
  });

  it('computes the next run of a cron trigger in its time zone', async () => {
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: ['emit_event'],
      trigger: { type: 'cron', schedules: [{ cron: '0 8 * * *', timezone: 'Asia/Tokyo' }] },
    });
    const next = new Date(loop.next_run_at as string);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    // 08:00 in Tokyo is 23:00 UTC.
    expect(next.getUTCHours()).toBe(23);
    expect(next.getUTCMinutes()).toBe(0);
    expect(loop.trigger).toEqual({
      type: 'cron',
      schedules: [{ cron: '0 8 * * *', timezone: 'Asia/Tokyo' }],
      overlap: 'skip',
    });
  });

  const valid = { name: 'L', instructions: 'Work.', tools: ['finish'], trigger: { type: 'manual' } };
  it.each([
    [{ ...valid, tools: [] }, 'tools'],
    [{ ...valid, tools: ['delete_everything'] }, 'tools.0'],
    [{ ...valid, tools: [{ name: 'finish', needs_approval: 'yes' }] }, 'tools.0'],
    [{ ...valid, tools: ['finish', 'finish'] }, 'tools.1'],
    [{ ...valid, trigger: { type: 'sometimes' } }, 'trigger.type'],
    [{ ...valid, trigger: { type: 'cron' } }, 'trigger.schedules'],
    [{ ...valid, trigger: { type: 'cron', schedules: [{ cron: '0 8 * *' }] } }, 'trigger.schedules.0.cron'],
    [
      { ...valid, trigger: { type: 'cron', schedules: [{ cron: '0 8 * * *', timezone: 'Mars/Base' }] } },
      'trigger.schedules.0.timezone',
    ],
    [{ ...valid, trigger: { type: 'event' } }, 'trigger.event'],
    [{ ...valid, trigger: { type: 'event', event: 'source.trained' } }, 'trigger.event'],
    [{ ...valid, limits: { max_steps: 0 } }, 'limits.max_steps'],
    [{ ...valid, limits: { token_budget: 'lots' } }, 'limits.token_budget'],
    [{ ...valid, allowed_hosts: ['https://api.example.com/path'] }, 'allowed_hosts.0'],
    [{ ...valid, name: '   ' }, 'name'],
    // {{secret.NAME}} can spell only letters, digits and underscores.
    [{ ...valid, secrets: { 'bad name': 'x' } }, 'secrets.bad name'],
    [{ ...valid, chatbot_id: 'conv_01jdz6qg0ef8s9cm8y0d7sv9k2' }, 'chatbot_id'],
  ])('refuses %j naming %s, storing nothing', async (body, param) => {
    const own = await buildWorkspace(t.context);
    const ownBot = await createBot(t, own.liveKey);
    const response = await t.request({
      method: 'POST',
      url: '/v1/agent-loops',
      key: own.liveKey,
      body: { chatbot_id: ownBot, ...body },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', param });
    const list = await t.request({ url: '/v1/agent-loops', key: own.liveKey });
    expect(list.json().data).toEqual([]);
  });

  it('answers 404 for a chatbot of another workspace', async () => {
    const other = await buildWorkspace(t.context);
    const response = await t.request({
      method: 'POST',
      url: '/v1/agent-loops',
      key: other.liveKey,
      body: { ...valid, chatbot_id: bot },
    });
    expect(response.statusCode, response.body).toBe(404);
  });
});

describe('changing and deleting', () => {
  it('changes only the fields sent, replaces secrets, and deletes the loop with its executions', async () => {
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: ['finish'],
      limits: { max_steps: 5 },
      secrets: { A: '1' },
    });
    const patched = await t.request({
      method: 'PATCH',
      url: `/v1/agent-loops/${loop.id}`,
      key: ws.liveKey,
      body: { name: 'Renamed', limits: { token_budget: 1000 }, secrets: { B: '2' }, enabled: false },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'Renamed',
      instructions: 'Do the work.',
      limits: { max_steps: 5, token_budget: 1000 },
      secret_names: ['B'],
      enabled: false,
    });
    const refused = await t.request({
      method: 'POST',
      url: `/v1/agent-loops/${loop.id}/run`,
      key: ws.liveKey,
      body: {},
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('loop_disabled');

    const empty = await t.request({
      method: 'PATCH',
      url: `/v1/agent-loops/${loop.id}`,
      key: ws.liveKey,
      body: {},
    });
    expect(empty.statusCode).toBe(400);

    const deleted = await t.request({ method: 'DELETE', url: `/v1/agent-loops/${loop.id}`, key: ws.liveKey });
    expect(deleted.json()).toEqual({ id: loop.id, deleted: true });
    expect((await t.request({ url: `/v1/agent-loops/${loop.id}`, key: ws.liveKey })).statusCode).toBe(404);
  });
});

describe('tenant isolation', () => {
  it('keeps loops and executions from another workspace and the other environment', async () => {
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, tools: ['finish'] });
    const started = await t.request({
      method: 'POST',
      url: `/v1/agent-loops/${loop.id}/run`,
      key: ws.liveKey,
      body: { input: 'hello' },
    });
    expect(started.statusCode, started.body).toBe(202);
    const execution = started.json();
    expect(execution).toMatchObject({ loop_id: loop.id, status: 'queued', input: 'hello', steps: [] });

    const other = await buildWorkspace(t.context);
    for (const key of [other.liveKey, ws.testKey]) {
      for (const [method, url] of [
        ['GET', `/v1/agent-loops/${loop.id}`],
        ['PATCH', `/v1/agent-loops/${loop.id}`],
        ['DELETE', `/v1/agent-loops/${loop.id}`],
        ['POST', `/v1/agent-loops/${loop.id}/run`],
        ['GET', `/v1/agent-loops/${loop.id}/executions`],
        ['GET', `/v1/agent-loop-executions/${execution.id}`],
        ['POST', `/v1/agent-loop-executions/${execution.id}/cancel`],
        ['POST', `/v1/agent-loop-executions/${execution.id}/approve`],
      ] as const) {
        const body = method === 'PATCH' ? { name: 'Taken' } : method === 'POST' ? {} : undefined;
        const response = await t.request({ method, url, key, body });
        expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(404);
      }
      const list = await t.request({ url: '/v1/agent-loops', key });
      expect(list.body).not.toContain(loop.id);
    }
    const own = await t.request({ url: `/v1/agent-loops/${loop.id}/executions`, key: ws.liveKey });
    expect(own.json().data.map((row: { id: string }) => row.id)).toEqual([execution.id]);
    const read = await t.request({ url: `/v1/agent-loops/${loop.id}`, key: ws.liveKey });
    expect(read.json().name).toBe('Loop');
  });

  it('runs on a bare POST, and cancels a queued execution once', async () => {
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, tools: ['finish'] });
    // The body is optional: a bare POST, or an empty JSON one, runs the loop with no input.
    const [started, emptyJson] = await Promise.all(
      [{}, { 'content-type': 'application/json' }].map((headers) =>
        t.app.inject({
          method: 'POST',
          url: `/v1/agent-loops/${loop.id}/run`,
          headers: { authorization: `Bearer ${ws.liveKey}`, ...headers },
        }),
      ),
    );
    for (const response of [started!, emptyJson!]) {
      expect(response.statusCode, response.body).toBe(202);
      expect(response.json()).toMatchObject({ loop_id: loop.id, status: 'queued', input: null });
    }
    const nullBody = await t.request({
      method: 'POST',
      url: `/v1/agent-loops/${loop.id}/run`,
      key: ws.liveKey,
      body: 'null',
    });
    expect(nullBody.statusCode).toBe(400);
    expect(nullBody.json().error.message).toBe('The request body must be an object.');
    const id = started!.json().id;
    const cancelled = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${id}/cancel`,
      key: ws.liveKey,
    });
    expect(cancelled.json()).toMatchObject({ id, status: 'cancelled' });
    const again = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${id}/cancel`,
      key: ws.liveKey,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('execution_finished');
  });
});

// Running agent loops against a fake OpenAI server scripted to call tools in the real chat
// completions shape: tools run through Parley's services and each step is recorded; approvals
// pause and resume; each limit ends the run as limit_reached; a bot without a tool-calling model
// fails with a clear error.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { field } from '../../fakes/fake-llm-server.ts';
import { startFakeOpenAI } from '../../fakes/fake-openai.ts';
import { startWebhookReceiver } from '../../fakes/webhook-receiver.ts';
import { waitReady } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import {
  createBot,
  createLoop,
  eventsOf,
  getExecution,
  offeredTools,
  run,
  waitForStatus,
} from './loop-helpers.ts';

const llm = await startFakeOpenAI();
const orders = await startWebhookReceiver();
const t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true, ownDatabase: true });
afterAll(async () => {
  await t.close();
  await llm.close();
  await orders.close();
});
const ws = await buildWorkspace(t.context);
const bot = await createBot(t, ws.liveKey, llm);
const source = await t.request({
  method: 'POST',
  url: `/v1/chatbots/${bot}/sources`,
  key: ws.liveKey,
  body: { type: 'text', title: 'Refund policy', content: 'Refunds are paid within 30 days of the return.' },
});
expect(source.statusCode, source.body).toBe(202);
await waitReady(t, ws.liveKey, source.json().id);

beforeEach(() => llm.reset());

const call = (name: string, args: unknown, id = `call_${name}`) => ({
  chunks: [],
  toolCalls: [{ id, name, arguments: args }],
  inputTokens: 100,
  outputTokens: 20,
});

describe('a manual run', () => {
  it('runs two tools and finishes, recording every step as the model saw it', async () => {
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      instructions: 'Find the refund policy and record the customer as a lead.',
      tools: ['search_knowledge', 'upsert_lead'],
    });
    llm.script(
      call('search_knowledge', { query: 'refund' }),
      call('upsert_lead', { email: 'ana@example.com', name: 'Ana' }),
      call('finish', { output: { summary: 'Refunds within 30 days; Ana saved.' } }),
    );
    const execution = await run(t, ws.liveKey, loop.id, { customer: 'ana@example.com' });
    expect(execution.status, JSON.stringify(execution)).toBe('succeeded');
    expect(execution.output).toEqual({ summary: 'Refunds within 30 days; Ana saved.' });
    expect(execution.steps.map((step) => [step.kind, step.tool ?? null, step.status])).toEqual([
      ['model', null, 'succeeded'],
      ['tool', 'search_knowledge', 'succeeded'],
      ['model', null, 'succeeded'],
      ['tool', 'upsert_lead', 'succeeded'],
      ['model', null, 'succeeded'],
      ['tool', 'finish', 'succeeded'],
    ]);
    expect(execution.steps[0]).toMatchObject({ input_tokens: 100, output_tokens: 20 });
    expect(JSON.stringify(execution.steps[1]!.output)).toContain('Refunds are paid within 30 days');
    expect(execution.steps[3]!.idempotency_key).toMatch(/:call_upsert_lead$/);
    expect(execution.tokens_used).toBe(360);
    expect(execution.tool_call_count).toBe(3);

    // The model was offered the loop's tools and finish, and saw the search's result.
    expect(offeredTools(llm)).toEqual(['search_knowledge', 'upsert_lead', 'finish']);
    const second = llm.requests[1]!.body;
    const toolMessage = (field(second, 'messages') as { role: string; content: string }[]).find(
      (message) => message.role === 'tool',
    );
    expect(toolMessage?.content).toContain('Refunds are paid within 30 days');
    expect(JSON.stringify(field(llm.requests[0]!.body, 'messages'))).toContain('ana@example.com');

    const leads = await t.request({ url: `/v1/leads?chatbot_id=${bot}`, key: ws.liveKey });
    expect(leads.json().data).toEqual([expect.objectContaining({ email: 'ana@example.com', name: 'Ana' })]);
    expect(await eventsOf(t, 'agent_loop.execution.started', execution.id)).toHaveLength(1);
    expect(await eventsOf(t, 'agent_loop.completed', execution.id)).toEqual([
      expect.objectContaining({ status: 'succeeded', output: execution.output }),
    ]);
  });

  it('calls an allowed host with a secret header and an idempotency key, and refuses other hosts', async () => {
    const host = new URL(orders.url).host;
    orders.respond = () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"order":"A-1","status":"shipped"}',
    });
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: ['http_request'],
      allowed_hosts: [host],
      secrets: { ORDERS_TOKEN: 'tok-123' },
    });
    llm.script(
      call('http_request', { method: 'GET', url: 'http://elsewhere.example/orders' }, 'c1'),
      call(
        'http_request',
        {
          method: 'POST',
          url: orders.url,
          headers: { authorization: 'Bearer {{secret.ORDERS_TOKEN}}' },
          body: { email: 'ana@example.com' },
        },
        'c2',
      ),
      { chunks: ['Shipped.'] },
    );
    const execution = await run(t, ws.liveKey, loop.id);
    expect(execution.status, JSON.stringify(execution)).toBe('succeeded');
    expect(execution.steps[1]).toMatchObject({ status: 'failed', error: { code: 'tool_error' } });
    expect((execution.steps[1]!.error as { message: string }).message).toContain('not on this loop');
    expect(execution.steps[3]).toMatchObject({
      status: 'succeeded',
      output: { status: 200, body: { order: 'A-1', status: 'shipped' } },
    });
    expect(orders.requests).toHaveLength(1);
    expect(orders.requests[0]!.headers.authorization).toBe('Bearer tok-123');
    expect(orders.requests[0]!.headers['idempotency-key']).toBe(execution.steps[3]!.idempotency_key);
    expect(orders.requests[0]!.json).toEqual({ email: 'ana@example.com' });
    // The secret never reaches the recorded steps.
    expect(JSON.stringify(execution)).not.toContain('tok-123');
  });

  it('reports a tool error to the model, which may go on', async () => {
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, tools: ['get_conversation'] });
    llm.script(call('get_conversation', { conversation_id: 'not-an-id' }), {
      chunks: ['Could not read it.'],
    });
    const execution = await run(t, ws.liveKey, loop.id);
    expect(execution.status).toBe('succeeded');
    expect(execution.output).toBe('Could not read it.');
    expect(execution.steps[1]).toMatchObject({ tool: 'get_conversation', status: 'failed' });
    expect((execution.steps[1]!.error as { message: string }).message).toContain('conv_');
  });

  it('records a lead by phone number, and gives it the address found later', async () => {
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, tools: ['upsert_lead'] });
    llm.script(
      call('upsert_lead', { phone: '+49 151 12345678', name: 'Jonas' }, 'call_phone'),
      call('upsert_lead', { name: 'Nobody' }, 'call_neither'),
      call('upsert_lead', { email: 'jonas@example.de', phone: '0151 12345678', country: 'DE' }, 'call_email'),
      call('finish', { output: 'saved' }),
    );
    const execution = await run(t, ws.liveKey, loop.id);
    expect(execution.status, JSON.stringify(execution)).toBe('succeeded');
    const tools = execution.steps.filter((step) => step.kind === 'tool');
    expect(tools.map((step) => step.status)).toEqual(['succeeded', 'failed', 'succeeded', 'succeeded']);
    expect((tools[1]!.error as { message: string }).message).toContain("'email' or 'phone'");
    expect(tools[0]!.output).toMatchObject({ email: null, phone_e164: '+4915112345678', created: true });
    expect(tools[2]!.output).toMatchObject({
      id: (tools[0]!.output as { id: string }).id,
      email: 'jonas@example.de',
      created: false,
    });
    const leads = await t.request({ url: `/v1/leads?chatbot_id=${bot}`, key: ws.liveKey });
    expect(
      leads.json().data.filter((lead: { phone_e164: string | null }) => lead.phone_e164 === '+4915112345678'),
    ).toEqual([expect.objectContaining({ email: 'jonas@example.de', name: 'Jonas', captured_via: 'api' })]);
  });

  it('fails with no_tool_model when the chatbot has no integration', async () => {
    const offline = await createBot(t, ws.liveKey);
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: offline, tools: ['finish'] });
    const execution = await run(t, ws.liveKey, loop.id);
    expect(execution).toMatchObject({ status: 'failed', error: { code: 'no_tool_model' } });
    expect(await eventsOf(t, 'agent_loop.failed', execution.id)).toHaveLength(1);
    expect(llm.requests).toHaveLength(0);
  });
});

describe('approvals', () => {
  it('pauses before a call that needs approval and runs it once approved', async () => {
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: [{ name: 'emit_event', needs_approval: true }],
    });
    llm.script(call('emit_event', { name: 'refund.requested', data: { order: 'A-1' } }), {
      chunks: ['Done.'],
    });
    const paused = await run(t, ws.liveKey, loop.id);
    expect(paused.status).toBe('awaiting_approval');
    expect(paused.steps.at(-1)).toMatchObject({ kind: 'approval', status: 'pending', tool: 'emit_event' });
    expect(await eventsOf(t, 'agent_loop.awaiting_approval', paused.id)).toEqual([
      expect.objectContaining({
        tool: 'emit_event',
        input: { name: 'refund.requested', data: { order: 'A-1' } },
      }),
    ]);
    const custom = () =>
      t.context.db.query(
        `SELECT data FROM events WHERE type = 'agent_loop.custom' AND data->>'loop_id' = $1`,
        [loop.id],
      );
    expect(await custom()).toHaveLength(0);

    const approved = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${paused.id}/approve`,
      key: ws.liveKey,
    });
    expect(approved.statusCode, approved.body).toBe(200);
    const done = await waitForStatus(t, ws.liveKey, paused.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.steps.find((step) => step.kind === 'approval')).toMatchObject({
      status: 'approved',
      decided_by: expect.stringMatching(/^key_/),
    });
    expect(await custom()).toHaveLength(1);

    const again = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${paused.id}/approve`,
      key: ws.liveKey,
    });
    expect(again.statusCode).toBe(409);
  });

  it('tells the model a rejected call was rejected, and never runs it', async () => {
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: [{ name: 'emit_event', needs_approval: true }],
    });
    llm.script(call('emit_event', { name: 'x' }), { chunks: ['Understood, not sent.'] });
    const paused = await run(t, ws.liveKey, loop.id);
    const rejected = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${paused.id}/reject`,
      key: ws.liveKey,
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    const done = await waitForStatus(t, ws.liveKey, paused.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', output: 'Understood, not sent.' });
    expect(done.steps.find((step) => step.kind === 'tool')).toMatchObject({
      status: 'failed',
      error: { code: 'rejected' },
    });
    expect(JSON.stringify(llm.requests.at(-1)!.body)).toContain('rejected');
  });

  it('leaves no approval pending when the execution waiting for it is cancelled', async () => {
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: [{ name: 'emit_event', needs_approval: true }],
    });
    llm.script(call('emit_event', { name: 'x' }));
    const paused = await run(t, ws.liveKey, loop.id);
    expect(paused.status).toBe('awaiting_approval');
    const cancelled = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${paused.id}/cancel`,
      key: ws.liveKey,
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const read = await getExecution(t, ws.liveKey, paused.id);
    expect(read.status).toBe('cancelled');
    expect(read.steps.find((step) => step.kind === 'approval')).toMatchObject({ status: 'rejected' });
    const late = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${paused.id}/approve`,
      key: ws.liveKey,
    });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toBe(
      'This execution is not waiting for an approval (it is cancelled).',
    );
  });
});

describe('limits', () => {
  const loopWith = (limits: Record<string, number>, tools: unknown[] = ['search_knowledge']) =>
    createLoop(t, ws.liveKey, { chatbot_id: bot, tools, limits });

  it.each([
    ['max_steps', { max_steps: 2 }, { step_count: 2 }],
    ['max_tool_calls', { max_tool_calls: 1 }, { tool_call_count: 1 }],
    // Two turns of 120 tokens: the budget is spent by the second, whose call is left undone.
    ['token_budget', { token_budget: 150 }, { tokens_used: 240, step_count: 2, tool_call_count: 1 }],
  ])('stops at %s with what it had', async (code, limits, counts) => {
    const loop = await loopWith(limits);
    llm.script(
      call('search_knowledge', { query: 'a' }, 'c1'),
      call('search_knowledge', { query: 'b' }, 'c2'),
      call('search_knowledge', { query: 'c' }, 'c3'),
    );
    const execution = await run(t, ws.liveKey, loop.id);
    expect(execution).toMatchObject({ status: 'limit_reached', error: { code }, ...counts });
    expect(await eventsOf(t, 'agent_loop.completed', execution.id)).toEqual([
      expect.objectContaining({ status: 'limit_reached' }),
    ]);
  });

  it('ends with the answer of a finish in the turn that spends the budget, after another call', async () => {
    const loop = await loopWith({ token_budget: 150 });
    llm.script(call('search_knowledge', { query: 'a' }, 'c1'), {
      chunks: [],
      toolCalls: [
        { id: 'c2', name: 'search_knowledge', arguments: { query: 'b' } },
        { id: 'c3', name: 'finish', arguments: { output: 'finished anyway' } },
      ],
      inputTokens: 100,
      outputTokens: 20,
    });
    const execution = await run(t, ws.liveKey, loop.id);
    // The search of the over-budget turn is left undone (the calls counted are c1 and the finish);
    // its finish ends the run.
    expect(execution).toMatchObject({ status: 'succeeded', output: 'finished anyway', tool_call_count: 2 });
  });

  it('stops at the timeout', async () => {
    const loop = await loopWith({ timeout_seconds: 1 });
    llm.enqueue({ type: 'delay', ms: 5_000 });
    const execution = await run(t, ws.liveKey, loop.id);
    expect(execution.status).toBe('limit_reached');
    expect(execution.error?.code).toBe('timeout');
  });

  it('stops when the same tool is called with the same input three times in a row', async () => {
    const loop = await loopWith({});
    llm.script(
      call('search_knowledge', { query: 'same' }, 'c1'),
      call('search_knowledge', { query: 'same' }, 'c2'),
      call('search_knowledge', { query: 'same' }, 'c3'),
    );
    const execution = await run(t, ws.liveKey, loop.id);
    expect(execution).toMatchObject({
      status: 'limit_reached',
      error: { code: 'repeated_tool_call' },
      tool_call_count: 2,
    });
  });

  it('counts calls of a tool the loop lacks, and stops their repeats', async () => {
    const first = await loopWith({});
    llm.script(call('rm_rf', {}, 'c1'), call('rm_rf', {}, 'c2'), call('rm_rf', {}, 'c3'));
    const repeated = await run(t, ws.liveKey, first.id);
    expect(repeated).toMatchObject({
      status: 'limit_reached',
      error: { code: 'repeated_tool_call' },
      tool_call_count: 2,
    });
    const second = await loopWith({ max_tool_calls: 2 });
    llm.script(call('rm_rf', { a: 1 }, 'c1'), call('rm_rf', { a: 2 }, 'c2'), call('rm_rf', { a: 3 }, 'c3'));
    const varied = await run(t, ws.liveKey, second.id);
    expect(varied).toMatchObject({
      status: 'limit_reached',
      error: { code: 'max_tool_calls' },
      tool_call_count: 2,
    });
  });
});

describe('reading executions', () => {
  it('lists a loop’s executions newest first, and a step’s record stays after the run', async () => {
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, tools: ['finish'] });
    llm.script({ chunks: ['first'] }, { chunks: ['second'] });
    const first = await run(t, ws.liveKey, loop.id);
    const second = await run(t, ws.liveKey, loop.id);
    const list = await t.request({ url: `/v1/agent-loops/${loop.id}/executions`, key: ws.liveKey });
    expect(list.json().data.map((row: { id: string }) => row.id)).toEqual([second.id, first.id]);
    expect((await getExecution(t, ws.liveKey, first.id)).output).toBe('first');
  });
});

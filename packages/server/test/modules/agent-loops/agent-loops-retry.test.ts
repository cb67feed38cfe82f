// Retrying a failed execution: it goes on from the step that failed, the recorded steps given to
// the model as they were, no finished side effect repeated; the same Idempotency-Key replays the
// answer; an execution that did not fail cannot be retried, and the refusal changes nothing.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { field } from '../../fakes/fake-llm-server.ts';
import { startFakeOpenAI } from '../../fakes/fake-openai.ts';
import { startWebhookReceiver } from '../../fakes/webhook-receiver.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { createBot, createLoop, getExecution, run, waitForStatus } from './loop-helpers.ts';

const llm = await startFakeOpenAI();
const orders = await startWebhookReceiver('/orders');
const t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true, ownDatabase: true });
afterAll(async () => {
  await t.close();
  await llm.close();
  await orders.close();
});
const ws = await buildWorkspace(t.context);
const bot = await createBot(t, ws.liveKey, llm);
const loop = await createLoop(t, ws.liveKey, {
  chatbot_id: bot,
  instructions: 'Refund the order.',
  tools: ['http_request'],
  allowed_hosts: [new URL(orders.url).host],
});

beforeEach(() => llm.reset());

const refund = (id: string) => ({
  chunks: [],
  toolCalls: [
    { id, name: 'http_request', arguments: { method: 'POST', url: orders.url, body: { order: 'A-1' } } },
  ],
  inputTokens: 10,
  outputTokens: 5,
});
const finish = {
  chunks: [],
  toolCalls: [{ id: 'done', name: 'finish', arguments: { output: 'Refunded.' } }],
};

describe('retrying an execution', () => {
  it('goes on from the failed model turn without repeating the refund, once per Idempotency-Key', async () => {
    orders.requests.length = 0;
    llm.script(refund('r1'), finish);
    // The first turn answers; the second is refused by the provider (400: not retried by the SDK).
    llm.enqueue({ type: 'delay', ms: 0 }, { type: 'error', status: 400, message: 'context too long' });
    const failed = await run(t, ws.liveKey, loop.id, { order: 'A-1' });
    expect(failed.status, JSON.stringify(failed)).toBe('failed');
    expect(failed.error?.code).toMatch(/^provider_/);
    expect(failed.steps.map((step) => [step.kind, step.status])).toEqual([
      ['model', 'succeeded'],
      ['tool', 'succeeded'],
    ]);
    expect(orders.requests).toHaveLength(1);

    const retry = (headers: Record<string, string> = {}) =>
      t.request({
        method: 'POST',
        url: `/v1/agent-loop-executions/${failed.id}/retry`,
        key: ws.liveKey,
        headers,
      });
    const retried = await retry({ 'idempotency-key': 'retry-1' });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ id: failed.id, status: 'queued', error: null });
    const done = await waitForStatus(t, ws.liveKey, failed.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', output: 'Refunded.', error: null });
    expect(done.steps.map((step) => [step.kind, step.tool ?? null, step.status])).toEqual([
      ['model', null, 'succeeded'],
      ['tool', 'http_request', 'succeeded'],
      ['model', null, 'succeeded'],
      ['tool', 'finish', 'succeeded'],
    ]);
    // The refund went out once; the model was asked again with its recorded result.
    expect(orders.requests).toHaveLength(1);
    const messages = field(llm.requests.at(-1)?.body, 'messages') as {
      role: string;
      tool_call_id?: string;
    }[];
    expect(messages.filter((message) => message.role === 'tool').map((m) => m.tool_call_id)).toEqual(['r1']);
    expect(llm.requests).toHaveLength(3);

    // The same request again: the first answer, replayed; nothing runs again.
    const replayed = await retry({ 'idempotency-key': 'retry-1' });
    expect(replayed.statusCode).toBe(200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json()).toEqual(retried.json());
    // A new request on an execution that succeeded: refused, and it stays as it was.
    const refused = await retry();
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ type: 'conflict_error', code: 'execution_not_retryable' });
    expect(await getExecution(t, ws.liveKey, failed.id)).toEqual(done);
    expect(llm.requests).toHaveLength(3);
    expect(orders.requests).toHaveLength(1);
  });

  it('takes a run that reached its step limit further once the limit is raised', async () => {
    const limited = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      instructions: 'Refund the orders.',
      tools: ['http_request'],
      allowed_hosts: [new URL(orders.url).host],
      limits: { max_steps: 1 },
    });
    orders.requests.length = 0;
    llm.script(refund('r2'), finish);
    const stopped = await run(t, ws.liveKey, limited.id);
    expect(stopped).toMatchObject({ status: 'limit_reached', error: { code: 'max_steps' } });

    const patched = await t.request({
      method: 'PATCH',
      url: `/v1/agent-loops/${limited.id}`,
      key: ws.liveKey,
      body: { limits: { max_steps: 5 } },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const retried = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${stopped.id}/retry`,
      key: ws.liveKey,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    const done = await waitForStatus(t, ws.liveKey, stopped.id, ['succeeded', 'failed', 'limit_reached']);
    expect(done).toMatchObject({ status: 'succeeded', output: 'Refunded.' });
    expect(orders.requests).toHaveLength(1);
  });

  it('is a 404 for an execution of another workspace, which stays as it was', async () => {
    const other = await buildWorkspace(t.context);
    llm.script({ chunks: [], toolCalls: [], inputTokens: 1, outputTokens: 1 });
    llm.enqueue({ type: 'error', status: 400 });
    const failed = await run(t, ws.liveKey, loop.id);
    expect(failed.status).toBe('failed');
    const response = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${failed.id}/retry`,
      key: other.liveKey,
    });
    expect(response.statusCode).toBe(404);
    expect((await getExecution(t, ws.liveKey, failed.id)).status).toBe('failed');
  });
});

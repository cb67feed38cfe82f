// kill -9 of the server while an agent loop's side-effecting tool call is in flight: after a
// restart the execution resumes from its recorded steps, the model turn before the call is not
// asked again, and the call whose outcome is unknown is not repeated until a person approves it,
// then sent once more with the same idempotency key; with on_unknown_outcome "fail", the
// execution fails, and a retry sends it once more the same way.
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes/fake-openai.ts';
import { startWebhookReceiver } from '../fakes/webhook-receiver.ts';
import { isolatedDatabase } from '../modules/webhooks/webhook-helpers.ts';
import { api, waitUntil } from './http-helpers.ts';
import { makeDataDir, startParley, stopParley, useProcessCleanup } from './process-helpers.ts';

useProcessCleanup();

describe('agent loop executions survive kill -9', () => {
  it('resumes without repeating the interrupted side effect', async () => {
    const llm = await startFakeOpenAI();
    const orders = await startWebhookReceiver('/orders');
    const database = await isolatedDatabase();
    try {
      const dataDir = makeDataDir();
      const env = { PARLEY_ALLOW_PRIVATE_NETWORK: 'true', ...database.env };
      const first = await startParley(dataDir, { env });
      const key = first.banner.keys.find((k) => k.environment === 'live')!.secret;
      const bot = await api(first.url, '/v1/chatbots', { key, method: 'POST', body: { name: 'Orders' } });
      const integration = await api(first.url, `/v1/chatbots/${bot.body.id}/integrations`, {
        key,
        method: 'POST',
        body: { provider: 'openai', model: 'gpt-4o-mini', api_key: 'sk-crash', base_url: llm.baseUrl },
      });
      expect(integration.status).toBe(201);
      const loop = await api(first.url, '/v1/agent-loops', {
        key,
        method: 'POST',
        body: {
          name: 'Refund',
          chatbot_id: bot.body.id,
          instructions: 'Refund the order.',
          tools: ['http_request'],
          trigger: { type: 'manual' },
          allowed_hosts: [new URL(orders.url).host],
          on_unknown_outcome: 'pause',
        },
      });
      expect(loop.status, JSON.stringify(loop.body)).toBe(201);

      llm.script(
        {
          chunks: [],
          toolCalls: [
            {
              id: 'refund1',
              name: 'http_request',
              arguments: { method: 'POST', url: orders.url, body: { order: 'A-1' } },
            },
          ],
        },
        { chunks: [], toolCalls: [{ id: 'done', name: 'finish', arguments: { output: 'Refunded A-1.' } }] },
      );
      // The order API takes the refund and never answers: the server dies with the call in flight.
      orders.respond = () => ({ hang: true });
      const started = await api(first.url, `/v1/agent-loops/${loop.body.id}/run`, {
        key,
        method: 'POST',
        body: { input: { order: 'A-1' } },
      });
      expect(started.status).toBe(202);
      await orders.waitFor(1, 60_000);
      await stopParley(first, 'SIGKILL');

      orders.respond = () => ({ status: 200, body: '{"refunded":true}' });
      const second = await startParley(dataDir, { env });
      const executionUrl = `/v1/agent-loop-executions/${started.body.id}`;
      let execution = (await api(second.url, executionUrl, { key })).body;
      await waitUntil(
        'the resumed execution to stop for a person',
        async () => {
          execution = (await api(second.url, executionUrl, { key })).body;
          return execution.status === 'awaiting_approval';
        },
        90_000,
      );
      const tool = execution.steps.find((step: { kind: string }) => step.kind === 'tool');
      expect(tool).toMatchObject({ status: 'unknown', error: { code: 'unknown_outcome' } });
      expect(execution.steps.at(-1)).toMatchObject({
        kind: 'approval',
        status: 'pending',
        tool: 'http_request',
      });
      expect(orders.requests).toHaveLength(1);
      expect(llm.requests).toHaveLength(1);

      const approved = await api(second.url, `${executionUrl}/approve`, { key, method: 'POST' });
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      await waitUntil(
        'the execution to finish',
        async () => {
          execution = (await api(second.url, executionUrl, { key })).body;
          return ['succeeded', 'failed'].includes(execution.status);
        },
        60_000,
      );
      expect(execution).toMatchObject({ status: 'succeeded', output: 'Refunded A-1.' });
      // Sent again once, as a person decided, with the key that lets the API recognise it.
      expect(orders.requests).toHaveLength(2);
      const keys = orders.requests.map((request) => request.headers['idempotency-key']);
      expect(keys[0]).toBe(tool.idempotency_key);
      expect(keys[1]).toBe(keys[0]);
      // The model turn recorded before the crash was not asked again.
      expect(llm.requests).toHaveLength(2);
      await stopParley(second);
    } finally {
      await orders.close();
      await llm.close();
      await database.drop();
    }
  }, 360_000);

  it('fails on the unknown outcome, then a retry sends the call once more and finishes', async () => {
    const llm = await startFakeOpenAI();
    const orders = await startWebhookReceiver('/orders');
    const database = await isolatedDatabase();
    try {
      const dataDir = makeDataDir();
      const env = { PARLEY_ALLOW_PRIVATE_NETWORK: 'true', ...database.env };
      const first = await startParley(dataDir, { env });
      const key = first.banner.keys.find((k) => k.environment === 'live')!.secret;
      const bot = await api(first.url, '/v1/chatbots', { key, method: 'POST', body: { name: 'Orders' } });
      await api(first.url, `/v1/chatbots/${bot.body.id}/integrations`, {
        key,
        method: 'POST',
        body: { provider: 'openai', model: 'gpt-4o-mini', api_key: 'sk-crash', base_url: llm.baseUrl },
      });
      const loop = await api(first.url, '/v1/agent-loops', {
        key,
        method: 'POST',
        body: {
          name: 'Refund',
          chatbot_id: bot.body.id,
          instructions: 'Refund the order.',
          tools: ['http_request'],
          trigger: { type: 'manual' },
          allowed_hosts: [new URL(orders.url).host],
        },
      });
      expect(loop.status, JSON.stringify(loop.body)).toBe(201);
      llm.script(
        {
          chunks: [],
          toolCalls: [
            { id: 'refund1', name: 'http_request', arguments: { method: 'POST', url: orders.url, body: {} } },
          ],
        },
        { chunks: [], toolCalls: [{ id: 'done', name: 'finish', arguments: { output: 'Refunded.' } }] },
      );
      orders.respond = () => ({ hang: true });
      const started = await api(first.url, `/v1/agent-loops/${loop.body.id}/run`, {
        key,
        method: 'POST',
        body: {},
      });
      await orders.waitFor(1, 60_000);
      await stopParley(first, 'SIGKILL');

      orders.respond = () => ({ status: 200, body: '{"refunded":true}' });
      const second = await startParley(dataDir, { env });
      const executionUrl = `/v1/agent-loop-executions/${started.body.id}`;
      let execution = (await api(second.url, executionUrl, { key })).body;
      await waitUntil(
        'the resumed execution to fail on the unknown outcome',
        async () => {
          execution = (await api(second.url, executionUrl, { key })).body;
          return execution.status === 'failed';
        },
        90_000,
      );
      expect(execution.error.code).toBe('unknown_outcome');
      expect(orders.requests).toHaveLength(1);

      const retried = await api(second.url, `${executionUrl}/retry`, { key, method: 'POST' });
      expect(retried.status, JSON.stringify(retried.body)).toBe(200);
      await waitUntil(
        'the retried execution to end',
        async () => {
          execution = (await api(second.url, executionUrl, { key })).body;
          return ['succeeded', 'failed'].includes(execution.status);
        },
        60_000,
      );
      expect(execution).toMatchObject({ status: 'succeeded', output: 'Refunded.', error: null });
      // The retry is the person's decision to send the call again: recorded as an approval.
      const approval = execution.steps.find((step: { kind: string }) => step.kind === 'approval');
      expect(approval).toMatchObject({
        status: 'approved',
        tool: 'http_request',
        error: { code: 'unknown_outcome' },
        decided_by: expect.stringMatching(/^key_/),
      });
      // Sent once more, with the same key; the model turn before it was not asked again.
      expect(orders.requests).toHaveLength(2);
      expect(orders.requests[1]!.headers['idempotency-key']).toBe(
        orders.requests[0]!.headers['idempotency-key'],
      );
      expect(llm.requests).toHaveLength(2);
      await stopParley(second);
    } finally {
      await orders.close();
      await llm.close();
      await database.drop();
    }
  }, 360_000);
});

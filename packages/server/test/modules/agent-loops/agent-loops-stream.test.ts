// GET /v1/agent-loop-executions/{id}/events: a client following an execution over real HTTP sees
// the steps recorded so far, then each new step and change as the execution goes on after an
// approval, and `end` when it ends; a reconnect with Last-Event-ID gets only what came after;
// another workspace's key gets a 404.
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../fakes/fake-openai.ts';
import { openEventReader, type StreamEvent } from '../../helpers/event-reader.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { createBot, createLoop, run } from './loop-helpers.ts';

const llm = await startFakeOpenAI();
const t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true, ownDatabase: true });
await t.app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
afterAll(async () => {
  await t.close();
  await llm.close();
});
const ws = await buildWorkspace(t.context);
const bot = await createBot(t, ws.liveKey, llm);

const call = (name: string, args: unknown) => ({
  chunks: [],
  toolCalls: [{ id: `call_${name}`, name, arguments: args }],
  inputTokens: 10,
  outputTokens: 5,
});

/** Every event until `end`, in order; the stream must close after it. */
async function untilEnd(reader: Awaited<ReturnType<typeof openEventReader>>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for (;;) {
    const event = await reader.next(() => true, 20_000);
    events.push(event);
    if (event.event === 'end') break;
  }
  await expect(reader.next(() => true, 5_000)).rejects.toThrow('the stream ended');
  return events;
}

const stepsOf = (events: StreamEvent[]) =>
  events.filter((e) => e.event === 'step').map((e) => `${e.data.seq} ${e.data.kind} ${e.data.status}`);

describe('following an execution live', () => {
  it('sends the steps so far, then each new one after the approval, then end', async () => {
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: [{ name: 'upsert_lead', needs_approval: true }],
    });
    llm.script(call('upsert_lead', { email: 'ana@example.com' }), call('finish', { output: 'Saved.' }));
    const paused = await run(t, ws.liveKey, loop.id);
    expect(paused.status).toBe('awaiting_approval');
    const headers = { authorization: `Bearer ${ws.liveKey}` };
    const url = `${base}/v1/agent-loop-executions/${paused.id}/events`;
    const reader = await openEventReader(url, headers);
    const state = await reader.next((e) => e.event === 'execution');
    expect(state.data).toMatchObject({ id: paused.id, status: 'awaiting_approval' });

    const approved = await t.request({
      method: 'POST',
      url: `/v1/agent-loop-executions/${paused.id}/approve`,
      key: ws.liveKey,
    });
    expect(approved.statusCode, approved.body).toBe(200);
    const events = await untilEnd(reader);
    // A tool call may be seen started before its result, or only with its result.
    const settled = stepsOf(events).filter((line) => !line.endsWith(' started'));
    expect(settled).toEqual([
      '2 approval approved',
      '3 tool succeeded',
      '4 model succeeded',
      '5 tool succeeded',
    ]);
    expect(events.at(-1)!.data).toMatchObject({ id: paused.id, status: 'succeeded', output: 'Saved.' });

    // Opened again after the end: every step at once, then end.
    const again = await openEventReader(url, headers);
    expect(stepsOf(await untilEnd(again))).toEqual([
      '1 model succeeded',
      '2 approval approved',
      '3 tool succeeded',
      '4 model succeeded',
      '5 tool succeeded',
    ]);
    // Reconnecting after step 3's result: only what came after it.
    const resumed = await openEventReader(url, { ...headers, 'last-event-id': '3.succeeded' });
    expect(stepsOf(await untilEnd(resumed))).toEqual(['4 model succeeded', '5 tool succeeded']);
  });

  it("is a 404 for another workspace's key", async () => {
    const other = await buildWorkspace(t.context);
    const loop = await createLoop(t, ws.liveKey, { chatbot_id: bot, tools: ['search_knowledge'] });
    llm.script({ chunks: ['Nothing to do.'], toolCalls: [], inputTokens: 1, outputTokens: 1 });
    const done = await run(t, ws.liveKey, loop.id);
    const response = await fetch(`${base}/v1/agent-loop-executions/${done.id}/events`, {
      headers: { authorization: `Bearer ${other.liveKey}` },
    });
    expect(response.status).toBe(404);
    expect((await response.json()).error.type).toBe('not_found_error');
  });
});

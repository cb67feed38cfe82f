// Streamed chat (text/event-stream) over a real HTTP connection: the events and their order,
// human mode, errors inside the stream, and a client that disconnects half-way.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { type FakeLlmServer, startFakeOpenAI } from '../../fakes/fake-providers.ts';
import { createTrainedBot, parseEvents } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let fake: FakeLlmServer;
let offlineBot: string;
let llmBot: string;
let origin: string;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true });
  ws = await buildWorkspace(t.context);
  offlineBot = (await createTrainedBot(t, ws.liveKey)).id;
  llmBot = (await createTrainedBot(t, ws.liveKey, { name: 'LLM bot' })).id;
  await t.request({
    method: 'POST',
    url: `/v1/chatbots/${llmBot}/integrations`,
    key: ws.liveKey,
    body: { provider: 'openai_compatible', model: 'acme-chat', base_url: fake.baseUrl },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => fake.reset());

function streamChat(botId: string, body: Record<string, unknown>, signal?: AbortSignal) {
  return fetch(`${origin}/v1/chatbots/${botId}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ws.liveKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
}

describe('streamed chat', () => {
  it('sends conversation, deltas, sources and done, in that order, and done equals the JSON answer', async () => {
    const response = await streamChat(offlineBot, { message: 'How long do I have to ask for a refund?' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const events = parseEvents(await response.text());
    const names = events.map((event) => event.event);
    expect(names[0]).toBe('conversation');
    expect(names.slice(-2)).toEqual(['sources', 'done']);
    expect(names.slice(1, -2).every((name) => name === 'delta')).toBe(true);
    expect(names.length).toBeGreaterThan(4);
    const done = events.at(-1)!.data;
    const text = events
      .filter((event) => event.event === 'delta')
      .map((event) => event.data.text)
      .join('');
    expect(text.trim()).toBe(done.reply);
    expect(done).toMatchObject({ grounded: true, conversation_id: events[0]!.data.conversation_id });
    expect(done.reply).toContain('30 days');
    expect(events.at(-2)!.data.sources_used).toEqual(done.sources_used);
    // What was streamed is what was stored.
    const [stored] = await t.context.db.query<{ content: string }>(
      'SELECT content FROM messages WHERE id = $1',
      [decodeId('msg', done.message_id as string, 'id')],
    );
    expect(stored!.content).toBe(done.reply);
  });

  it('streams the deltas of an LLM as they come', async () => {
    fake.reply = { ...fake.reply, chunks: ['Refunds ', 'are accepted ', 'within 30 days [1].'] };
    const response = await streamChat(llmBot, { message: 'How long do I have to ask for a refund?' });
    const events = parseEvents(await response.text());
    expect(events.filter((event) => event.event === 'delta').map((event) => event.data.text)).toEqual([
      'Refunds ',
      'are accepted ',
      'within 30 days [1].',
    ]);
    expect(events.at(-1)!.data).toMatchObject({
      reply: 'Refunds are accepted within 30 days [1].',
      grounded: true,
    });
  });

  it('answers errors found before the stream starts as plain JSON errors', async () => {
    const response = await streamChat('bot_01jdz6qg0ef8s9cm8y0d7sv9k2', { message: 'hi' });
    expect(response.status).toBe(404);
    expect((await response.json()).error.type).toBe('not_found_error');
  });

  it('ends with an error event when the provider fails mid-way, and keeps the visitor message', async () => {
    fake.setBehavior({ type: 'stream-error' });
    const response = await streamChat(llmBot, { message: 'How do I reset my password?' });
    expect(response.status).toBe(200);
    const events = parseEvents(await response.text());
    expect(events[0]!.event).toBe('conversation');
    const last = events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data.error).toMatchObject({
      type: 'provider_error',
      status: 502,
      request_id: expect.stringMatching(/^req_/),
    });
    const conversationId = decodeId('conv', events[0]!.data.conversation_id as string, 'id');
    const rows = await t.context.db.query<{ role: string }>(
      'SELECT role FROM messages WHERE conversation_id = $1',
      [conversationId],
    );
    expect(rows.map((row) => row.role)).toEqual(['user']);
    // Heal the integration for the next tests.
    fake.setBehavior(null);
  });

  it('stops the provider call when the client disconnects, and stores the reply cut short', async () => {
    fake.reply = {
      ...fake.reply,
      chunks: ['Refunds ', 'are ', 'accepted ', 'within ', '30 ', 'days ', 'of ', 'purchase ', '[1].'],
      frameDelayMs: 150,
    };
    const controller = new AbortController();
    const response = await streamChat(
      llmBot,
      { message: 'How long do I have to ask for a refund?' },
      controller.signal,
    );
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('event: delta')) {
      const { value } = await reader.read();
      received += new TextDecoder().decode(value);
    }
    const conversationId = parseEvents(received.slice(0, received.indexOf('\n\n') + 2))[0]!.data
      .conversation_id as string;
    controller.abort();
    const providerCall = fake.requests.at(-1)!;
    await providerCall.closed;
    expect(providerCall.completed).toBe(false);
    let stored: { content: string; metadata: Record<string, unknown> }[] = [];
    await expect
      .poll(async () => {
        stored = await t.context.db.query(
          `SELECT content, metadata FROM messages WHERE conversation_id = $1 AND role = 'assistant'`,
          [decodeId('conv', conversationId, 'id')],
        );
        return stored.length;
      })
      .toBe(1);
    expect(stored[0]!.metadata).toMatchObject({ interrupted: true });
    expect(stored[0]!.content.startsWith('Refunds')).toBe(true);
    expect(stored[0]!.content).not.toContain('[1].');
  });
});

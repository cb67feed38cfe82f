// Revoking an API key ends the streams it opened, on every node: a conversation's live events
// stop with an `error` event instead of delivering what comes next.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { type FakeLlmServer, startFakeOpenAI } from '../../fakes/fake-providers.ts';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

let nodeA: TestApp;
let nodeB: TestApp;
let ws: TestWorkspace;
let botId: string;
let fake: FakeLlmServer;
const origins: Record<'A' | 'B', string> = { A: '', B: '' };

async function listen(node: TestApp): Promise<string> {
  await node.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(node.app.server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-stream' });
  nodeA = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true });
  nodeB = await nodeA.startPeer();
  origins.A = await listen(nodeA);
  origins.B = await listen(nodeB);
  ws = await buildWorkspace(nodeA.context);
  // Trained, so that a question is grounded and goes to the provider.
  botId = (await createTrainedBot(nodeA, ws.liveKey)).id;
});
afterAll(async () => {
  await nodeB.close();
  await nodeA.close();
  await fake.close();
});

/** A stream's events as they arrive, and a promise that settles when the server ends it. */
function readStream(response: Response) {
  const events: StreamEvent[] = [];
  const waiters: { wanted: (event: StreamEvent) => boolean; resolve: () => void }[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const ended = (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!name || !data) continue;
        const event = { event: name, data: JSON.parse(data) as Record<string, unknown> };
        events.push(event);
        for (const waiter of waiters.filter((w) => w.wanted(event))) waiter.resolve();
      }
    }
  })();
  return {
    events,
    ended,
    next: (wanted: (event: StreamEvent) => boolean) =>
      events.some(wanted)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ wanted, resolve })),
    cancel: () => reader.cancel().catch(() => {}),
  };
}

async function newKey(): Promise<{ id: string; secret: string }> {
  const created = await nodeA.request({
    method: 'POST',
    url: '/v1/api-keys',
    key: ws.liveKey,
    body: { name: 'inbox screen' },
  });
  expect(created.statusCode).toBe(201);
  return { id: created.json().id, secret: created.json().key };
}

async function revoke(id: string) {
  const revoked = await nodeA.request({ method: 'DELETE', url: `/v1/api-keys/${id}`, key: ws.liveKey });
  expect(revoked.statusCode).toBe(200);
}

describe('revoking an API key', () => {
  it('ends its conversation event streams on every node; other keys keep theirs', async () => {
    const conversationId = (
      await nodeA.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/chat`,
        key: ws.liveKey,
        body: { message: 'talk to a human' },
      })
    ).json().conversation_id;
    const key = await newKey();
    const open = async (node: 'A' | 'B', secret: string) => {
      const response = await fetch(`${origins[node]}/v1/conversations/${conversationId}/events`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(response.status).toBe(200);
      const stream = readStream(response);
      // The first event is sent once the stream listens for new messages.
      await stream.next((event) => event.event === 'conversation');
      return stream;
    };
    const onA = await open('A', key.secret);
    const onB = await open('B', key.secret);
    const otherKey = await open('B', ws.liveKey);

    await revoke(key.id);
    const posted = await nodeB.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Only for those still allowed to read.' },
    });
    expect(posted.statusCode).toBe(201);
    await otherKey.next((event) => event.data.id === posted.json().id);
    otherKey.cancel();

    for (const stream of [onA, onB]) {
      await stream.ended;
      expect(stream.events.some((event) => event.event === 'message')).toBe(false);
      expect(stream.events.at(-1)).toMatchObject({
        event: 'error',
        data: { error: { type: 'authentication_error', code: 'api_key_revoked', status: 401 } },
      });
    }
    // And the key opens no new stream.
    const again = await fetch(`${origins.B}/v1/conversations/${conversationId}/events`, {
      headers: { authorization: `Bearer ${key.secret}` },
    });
    expect(again.status).toBe(401);
    expect((await again.json()).error.code).toBe('api_key_revoked');
  });

  it('ends a stream whose key was revoked without a notice (re-checked in the database)', async () => {
    const conversationId = (
      await nodeA.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/chat`,
        key: ws.liveKey,
        body: { message: 'talk to a human' },
      })
    ).json().conversation_id;
    const key = await newKey();
    const response = await fetch(`${origins.B}/v1/conversations/${conversationId}/events`, {
      headers: { authorization: `Bearer ${key.secret}` },
    });
    const stream = readStream(response);
    await stream.next((event) => event.event === 'conversation');
    // As when a notice is lost: the row changes, no node is told.
    await nodeA.context.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [
      decodeId('key', key.id, 'id'),
    ]);
    await stream.ended;
    expect(stream.events.at(-1)).toMatchObject({
      event: 'error',
      data: { error: { code: 'api_key_revoked' } },
    });
  });

  it('ends a streamed chat reply in progress', async () => {
    const integration = await nodeA.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/integrations`,
      key: ws.liveKey,
      body: { provider: 'openai_compatible', model: 'm', base_url: fake.baseUrl, api_key: 'sk-stream' },
    });
    expect(integration.statusCode).toBe(201);
    const key = await newKey();
    // The provider never answers: only the revocation can end this stream.
    fake.setBehavior({ type: 'stall' });
    try {
      const response = await fetch(`${origins.B}/v1/chatbots/${botId}/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'How long do I have to ask for a refund?', stream: true }),
      });
      expect(response.status).toBe(200);
      const stream = readStream(response);
      await stream.next((event) => event.event === 'conversation');
      await expect.poll(() => fake.requests.length).toBeGreaterThan(0);
      await revoke(key.id);
      await stream.ended;
      expect(stream.events.at(-1)).toMatchObject({
        event: 'error',
        data: { error: { code: 'api_key_revoked' } },
      });
    } finally {
      fake.setBehavior(null);
    }
  });
});

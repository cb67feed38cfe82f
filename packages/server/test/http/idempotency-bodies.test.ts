// Idempotency-Key on requests whose body is not plain JSON: a multipart upload is judged by its
// fields and file, and a streamed chat (text/event-stream) is stored whole and replayed, so a
// retry never makes a second source, conversation or counted message.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvents } from '../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let botId: string;
beforeAll(async () => {
  t = await startTestApp({ PARLEY_PLANS: JSON.stringify({ free: { messages_per_month: 10 } }) });
  ws = await buildWorkspace(t.context, { plan: 'free' });
  const bot = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Docs' },
  });
  botId = bot.json().id;
});
afterAll(async () => {
  await t.close();
});

/** A multipart upload with a boundary of its own, as each client run picks one. */
function upload(key: string, filename: string, content: string, boundary: string) {
  const payload =
    `--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\n${content}\r\n` +
    `--${boundary}--\r\n`;
  return t.app.inject({
    method: 'POST',
    url: `/v1/chatbots/${botId}/sources`,
    headers: {
      authorization: `Bearer ${ws.liveKey}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'idempotency-key': key,
    },
    payload,
  });
}

async function sourceTitles(): Promise<string[]> {
  const list = await t.request({ url: `/v1/chatbots/${botId}/sources`, key: ws.liveKey });
  return list.json().data.map((s: { title: string }) => s.title);
}

describe('Idempotency-Key on a multipart upload', () => {
  it('replays the same file and refuses another file under the same key with a 422', async () => {
    const first = await upload('upload-1', 'returns.txt', 'Refunds within 30 days.', 'boundary-a');
    expect(first.statusCode).toBe(202);
    const other = await upload('upload-1', 'shipping.txt', 'Shipping takes 3 days.', 'boundary-b');
    expect(other.statusCode).toBe(422);
    expect(other.json().error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_reused' });
    const sameContentOtherName = await upload('upload-1', 'returns-v2.txt', 'Refunds within 30 days.', 'c');
    expect(sameContentOtherName.statusCode).toBe(422);
    const retry = await upload('upload-1', 'returns.txt', 'Refunds within 30 days.', 'boundary-d');
    expect(retry.statusCode).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    expect(await sourceTitles()).toEqual(['returns.txt']);
  });
});

function streamedChat(key: string, message: string): Promise<LightMyRequestResponse> {
  return t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/chat`,
    key: ws.liveKey,
    body: { message, stream: true },
    headers: { 'idempotency-key': key },
  });
}

describe('Idempotency-Key on a streamed chat', () => {
  it('replays the whole stream: one conversation, one message counted', async () => {
    const before = (await t.request({ url: '/v1/usage', key: ws.liveKey })).json().messages.used;
    const first = await streamedChat('stream-1', 'How long do refunds take?');
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toContain('text/event-stream');
    const events = parseEvents(first.body);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['conversation', 'done']));

    const retry = await streamedChat('stream-1', 'How long do refunds take?');
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers['content-type']).toContain('text/event-stream');
    expect(retry.body).toBe(first.body);

    const conversations = await t.request({ url: '/v1/conversations', key: ws.liveKey });
    expect(conversations.json().data.map((c: { id: string }) => c.id)).toEqual([
      events[0]!.data.conversation_id,
    ]);
    const usage = await t.request({ url: '/v1/usage', key: ws.liveKey });
    expect(usage.json().messages.used).toBe(before + 1);

    const other = await streamedChat('stream-1', 'Another question');
    expect(other.statusCode).toBe(422);
  });
});

// Live delivery across nodes (an agent's message posted through one node reaches a stream held
// by another, through the database), resuming a stream with Last-Event-ID, and exports of many
// conversations streamed in pieces.
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let nodeA: TestApp;
let nodeB: TestApp;
let ws: TestWorkspace;
let botId: string;
let originA: string;
beforeAll(async () => {
  nodeA = await startTestApp({}, { workers: true });
  nodeB = await nodeA.startPeer();
  ws = await buildWorkspace(nodeA.context);
  botId = (await createTrainedBot(nodeA, ws.liveKey)).id;
  await nodeA.app.listen({ port: 0, host: '127.0.0.1' });
  originA = `http://127.0.0.1:${(nodeA.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await nodeB.close();
  await nodeA.close();
});

/** Reads server-sent events from a live response until `until` says stop. */
async function readEvents(
  response: Response,
  until: (events: { event: string; id?: string; data: Record<string, unknown> }[]) => boolean,
) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: { event: string; id?: string; data: Record<string, unknown> }[] = [];
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      if (block.startsWith(':')) continue;
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const id = /^id: (.*)$/m.exec(block)?.[1];
      events.push({
        event,
        ...(id ? { id } : {}),
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}'),
      });
    }
  }
  await reader.cancel();
  return events;
}

function follow(conversationId: string, headers: Record<string, string> = {}) {
  return fetch(`${originA}/v1/conversations/${conversationId}/events`, {
    headers: { authorization: `Bearer ${ws.liveKey}`, ...headers },
  });
}

describe('live conversation events', () => {
  it('delivers an agent message posted through another node to a waiting stream', async () => {
    const c = (
      await nodeA.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/chat`,
        key: ws.liveKey,
        body: { message: 'talk to a human' },
      })
    ).json();
    const response = await follow(c.conversation_id);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reading = readEvents(response, (events) => events.some((event) => event.data.role === 'agent'));
    // Give the stream a moment to subscribe, then post through node B.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const posted = await nodeB.request({
      method: 'POST',
      url: `/v1/conversations/${c.conversation_id}/messages`,
      key: ws.liveKey,
      body: { content: 'Hello, I am Ana from the team.', author_name: 'Ana' },
    });
    expect(posted.statusCode).toBe(201);
    const events = await reading;
    expect(events[0]).toMatchObject({
      event: 'conversation',
      data: { id: c.conversation_id, mode: 'human' },
    });
    const agent = events.find((event) => event.data.role === 'agent')!;
    expect(agent).toMatchObject({
      event: 'message',
      id: expect.any(String),
      data: { id: posted.json().id, content: 'Hello, I am Ana from the team.' },
    });
  });

  it('streams visitor messages and mode changes, and resumes after Last-Event-ID', async () => {
    const c = (
      await nodeA.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/chat`,
        key: ws.liveKey,
        body: { message: 'talk to a human' },
      })
    ).json();
    const response = await follow(c.conversation_id);
    const reading = readEvents(
      response,
      (events) => events.filter((event) => event.event === 'conversation').length >= 2,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await nodeB.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/chat`,
      key: ws.liveKey,
      body: { message: 'I am waiting', conversation_id: c.conversation_id },
    });
    await nodeB.request({
      method: 'PATCH',
      url: `/v1/conversations/${c.conversation_id}`,
      key: ws.liveKey,
      body: { mode: 'ai' },
    });
    const events = await reading;
    const visitor = events.find((event) => event.event === 'message')!;
    expect(visitor.data).toMatchObject({ role: 'user', content: 'I am waiting' });
    expect(events.at(-1)).toMatchObject({ event: 'conversation', data: { mode: 'ai' } });

    // Messages stored while disconnected arrive on reconnect with Last-Event-ID.
    await nodeB.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/chat`,
      key: ws.liveKey,
      body: { message: 'How do I reset my password?', conversation_id: c.conversation_id },
    });
    const resumed = await readEvents(
      await follow(c.conversation_id, { 'last-event-id': visitor.id! }),
      (list) => list.some((event) => event.data.role === 'assistant'),
    );
    expect(resumed.filter((event) => event.event === 'message').map((event) => event.data.role)).toEqual([
      'user',
      'assistant',
    ]);
  });

  it('refuses streams of other workspaces', async () => {
    const c = (
      await nodeA.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/chat`,
        key: ws.liveKey,
        body: { message: 'hello' },
      })
    ).json();
    const other = await buildWorkspace(nodeA.context);
    const response = await fetch(`${originA}/v1/conversations/${c.conversation_id}/events`, {
      headers: { authorization: `Bearer ${other.liveKey}` },
    });
    expect(response.status).toBe(404);
  });
});

describe('GET /v1/conversations/export', () => {
  it('streams every matching conversation with its messages, as NDJSON and as CSV', {
    timeout: 120_000,
  }, async () => {
    const exporter = await buildWorkspace(nodeA.context);
    const bot = (
      await nodeA.request({
        method: 'POST',
        url: '/v1/chatbots',
        key: exporter.liveKey,
        body: { name: 'Export' },
      })
    ).json();
    const scope = { workspaceId: exporter.id, environment: 'live' as const };
    const botRow = await nodeA.context.chatbots.get(scope, decodeId('bot', bot.id, 'id'));
    // More than one export batch (200), so the answer must be written in pieces.
    const total = 230;
    for (let i = 0; i < total; i++) {
      const { conversation } = await nodeA.context.conversations.addVisitorMessage(scope, botRow, null, {
        content: `Question number ${i}, with "quotes", commas, and\na new line`,
        channel: i % 3 === 0 ? 'widget' : 'api',
        visitor: { email: `visitor${i}@example.com` },
      });
      if (i % 10 === 0)
        await nodeA.context.handoff.agentReply(scope, conversation.id, { content: `Answer ${i}` });
    }

    const response = await fetch(`${originA}/v1/conversations/export?format=ndjson`, {
      headers: { authorization: `Bearer ${exporter.liveKey}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const reader = response.body!.getReader();
    let pieces = 0;
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pieces += 1;
      text += new TextDecoder().decode(value);
    }
    // Written batch by batch as it is read, not built whole in memory first.
    expect(pieces).toBeGreaterThan(1);
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(total);
    expect(lines[0].messages.map((m: { role: string }) => m.role)).toEqual(['user', 'agent']);
    expect(lines[1].messages.map((m: { role: string }) => m.role)).toEqual(['user']);
    expect(lines[0].messages[0].content).toBe('Question number 0, with "quotes", commas, and\na new line');

    const csv = await nodeA.request({
      url: '/v1/conversations/export?format=csv&channel=widget',
      key: exporter.liveKey,
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    // Every third conversation is on the widget; every tenth also has an agent's answer.
    const widget = Array.from({ length: total }, (_, i) => i).filter((i) => i % 3 === 0);
    expect(rows).toHaveLength(widget.length + widget.filter((i) => i % 10 === 0).length);
    expect(rows[0]).toMatchObject({
      channel: 'widget',
      role: 'user',
      content: 'Question number 0, with "quotes", commas, and\na new line',
      customer_email: 'visitor0@example.com',
    });

    const other = await nodeA.request({ url: '/v1/conversations/export', key: ws.testKey });
    expect(other.body).toBe('');
    const bad = await nodeA.request({ url: '/v1/conversations/export?format=xml', key: exporter.liveKey });
    expect(bad.statusCode).toBe(400);
  });
});

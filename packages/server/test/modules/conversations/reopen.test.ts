// A closed conversation opens again when the visitor writes: the API and widget streams see the
// status change, and the event log shows the message in the open conversation.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainedBot, parseEvents } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

const SITE = 'http://localhost:3000';

let t: TestApp;
let ws: TestWorkspace;
let bot: string;
let base: string;

beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ws = await buildWorkspace(t.context);
  bot = (await createTrainedBot(t, ws.liveKey, { widget_settings: { allowed_origins: [SITE] } })).id;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t?.close();
});

type StreamEvent = { event: string; data: Record<string, unknown> };

async function widgetChat(body: Record<string, unknown>, token?: string) {
  const response = await fetch(`${base}/public/v1/chatbots/${bot}/chat`, {
    method: 'POST',
    headers: {
      origin: SITE,
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  const events = parseEvents(await response.text());
  return {
    conversationId: events[0]!.data.conversation_id as string,
    token: events[0]!.data.conversation_token as string,
  };
}

/** An open event stream, read on demand. */
function openStream(response: Response) {
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const events = (): StreamEvent[] => parseEvents(text.slice(0, text.lastIndexOf('\n\n') + 2));
  return {
    /** Reads until `done` holds for the events so far; answers them. */
    async readUntil(done: (events: StreamEvent[]) => boolean): Promise<StreamEvent[]> {
      while (!done(events())) {
        const { value, done: ended } = await reader.read();
        if (ended) throw new Error(`stream ended; got ${text}`);
        text += decoder.decode(value, { stream: true });
      }
      return events();
    },
    close: () => reader.cancel(),
  };
}

const replyTo = (content: string) => (events: StreamEvent[]) => {
  const asked = events.findIndex((e) => e.event === 'message' && e.data.content === content);
  return asked >= 0 && events.slice(asked).some((e) => e.event === 'message' && e.data.role === 'assistant');
};

describe('a visitor writing in a closed conversation', () => {
  it('reopens it, with a conversation event on the API and widget streams and an open conversation in the event log', async () => {
    const first = await widgetChat({ message: 'How much is shipping?' });
    const closed = await t.request({
      method: 'PATCH',
      url: `/v1/conversations/${first.conversationId}`,
      key: ws.liveKey,
      body: { status: 'closed' },
    });
    expect(closed.json()).toMatchObject({ status: 'closed' });

    const api = openStream(
      await fetch(`${base}/v1/conversations/${first.conversationId}/events`, {
        headers: { authorization: `Bearer ${ws.liveKey}` },
      }),
    );
    const widget = openStream(
      await fetch(
        `${base}/public/v1/chatbots/${bot}/conversations/${first.conversationId}/events?token=${first.token}`,
        { headers: { origin: SITE } },
      ),
    );
    // Both streams are subscribed once their first state (closed) has arrived.
    const isClosedState = (events: StreamEvent[]) =>
      events.some((e) => e.event === 'conversation' && e.data.status === 'closed');
    await api.readUntil(isClosedState);
    await widget.readUntil(isClosedState);

    const question = 'And how long does delivery take?';
    await widgetChat({ message: question, conversation_id: first.conversationId }, first.token);

    for (const stream of [api, widget]) {
      const events = await stream.readUntil(replyTo(question));
      await stream.close();
      const states = events.filter((e) => e.event === 'conversation').map((e) => e.data.status);
      expect(states).toEqual(['closed', 'open']);
      // The state changes before the visitor's message is shown.
      const reopened = events.findIndex((e) => e.event === 'conversation' && e.data.status === 'open');
      const asked = events.findIndex((e) => e.event === 'message' && e.data.content === question);
      expect(reopened).toBeLessThan(asked);
    }

    const conversation = await t.request({
      url: `/v1/conversations/${first.conversationId}`,
      key: ws.liveKey,
    });
    expect(conversation.json()).toMatchObject({ status: 'open' });
    const log = await t.request({ url: '/v1/events?type=message.received&page_size=100', key: ws.liveKey });
    const received = log.json().data.find((e: { data: { content: string } }) => e.data.content === question);
    expect(received.data.conversation).toMatchObject({ id: first.conversationId, status: 'open' });
  });
});

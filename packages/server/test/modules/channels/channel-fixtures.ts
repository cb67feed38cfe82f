// What the channel test files share: an app with workers on a database of its own (on
// PostgreSQL, other files' nodes sweep every channel for due work, as one deployment's nodes do),
// a chatbot that knows about parcels to Iceland, and reading a channel's deliveries and events.
import { expect } from 'vitest';
import { createTrainedBot, waitReady } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

export const PUBLIC_URL = 'https://parley.example.com';
/** Replies go out from jobs: long enough for a loaded machine. */
export const SOON = { timeout: 20_000 };
export const SHIPPING_URL = 'https://shop.example.com/help/shipping';

/** An app with job workers, reachable by platforms at PUBLIC_URL, and a trained chatbot. */
export async function startChannelApp(env: Record<string, string>) {
  const t = await startTestApp(
    { PARLEY_PUBLIC_URL: PUBLIC_URL, ...env },
    { workers: true, ownDatabase: true },
  );
  const ws = await buildWorkspace(t.context);
  const bot = (await createTrainedBot(t, ws.liveKey)).id as string;
  await addShippingPage(t, ws.liveKey, bot);
  return { t, ws, bot, close: () => t.close() };
}

export async function addShippingPage(app: TestApp, key: string, chatbot: string) {
  const source = await app.request({
    method: 'POST',
    url: `/v1/chatbots/${chatbot}/sources`,
    key,
    body: {
      type: 'text',
      title: 'Parcel delivery times',
      url: SHIPPING_URL,
      content: 'Parcels to Iceland arrive within 9 business days with the Aurora courier.',
    },
  });
  expect(source.statusCode).toBe(202);
  await waitReady(app, key, source.json().id);
}

/** The channel's deliveries, newest first, as `GET /v1/channels/{id}/events` shows them. */
export async function channelEvents(app: TestApp, key: string, channelId: string) {
  const response = await app.request({ url: `/v1/channels/${channelId}/events?page_size=100`, key });
  expect(response.statusCode).toBe(200);
  return response.json().data as Record<string, unknown>[];
}

/** The workspace's events of one type, from the event log. */
export async function eventsOf(app: TestApp, key: string, type: string) {
  return (await app.request({ url: `/v1/events?type=${type}`, key })).json().data as {
    data: Record<string, unknown>;
  }[];
}

/** The status of the inbound delivery with this platform id, once processed or ignored. */
export async function inboundStatus(app: TestApp, key: string, channelId: string, platformId: string) {
  return (await channelEvents(app, key, channelId)).find((row) => row.platform_message_id === platformId)
    ?.status;
}

/** An agent's reply in the conversation, accepted (201). */
export async function agentSays(app: TestApp, key: string, conversationId: string, content: string) {
  const response = await app.request({
    method: 'POST',
    url: `/v1/conversations/${conversationId}/messages`,
    key,
    body: { content },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string };
}

/**
 * After the platform stopped taking the channel's credentials: two agent replies fail, the test
 * call reports `reason`, and the channel is disconnected with one channel.disconnected event.
 */
export async function expectDisconnectedOnce(
  app: TestApp,
  key: string,
  ids: { channelId: string; conversationId: string },
  reason: string,
) {
  for (const content of ['First after revocation', 'Second after revocation']) {
    await agentSays(app, key, ids.conversationId, content);
    await expect
      .poll(async () => (await channelEvents(app, key, ids.channelId))[0]!.status, SOON)
      .toBe('failed');
  }
  const tested = await app.request({ method: 'POST', url: `/v1/channels/${ids.channelId}/test`, key });
  expect(tested.json()).toEqual({ ok: false, error: reason });
  const channel = (await app.request({ url: `/v1/channels/${ids.channelId}`, key })).json();
  expect(channel).toMatchObject({ status: 'disconnected', last_error: reason });
  const disconnected = await eventsOf(app, key, 'channel.disconnected');
  expect(disconnected).toHaveLength(1);
  expect(disconnected[0]!.data).toMatchObject({ id: ids.channelId, status: 'disconnected', reason });
}

/** New credentials given with PATCH: the channel is active again, with one channel.reconnected. */
export async function expectReconnected(
  app: TestApp,
  key: string,
  channelId: string,
  credentials: Record<string, unknown>,
) {
  const patched = await app.request({
    method: 'PATCH',
    url: `/v1/channels/${channelId}`,
    key,
    body: credentials,
  });
  expect(patched.statusCode, patched.body).toBe(200);
  expect(patched.json()).toMatchObject({ status: 'active', last_error: null });
  for (const value of Object.values(credentials)) {
    if (typeof value === 'string') expect(patched.body).not.toContain(value);
  }
  expect((await eventsOf(app, key, 'channel.reconnected')).map((event) => event.data.id)).toEqual([
    channelId,
  ]);
  return patched.json();
}

/**
 * An agent's long reply (about 9,000 characters, within the API's 10,000): ten paragraphs of
 * twelve numbered sentences each.
 */
export function longReply(): string {
  const paragraph = (n: number) =>
    Array.from(
      { length: 12 },
      (_, i) => `Step ${n}.${i + 1}: take the parcel to the counter and ask for the Aurora courier.`,
    ).join(' ');
  return Array.from({ length: 10 }, (_, i) => paragraph(i + 1)).join('\n\n');
}

let nextUpdateId = 5000;
/** A Telegram update with a person's text message in a private chat. */
export function telegramUpdate(chatId: number, text: string) {
  nextUpdateId += 1;
  return {
    update_id: nextUpdateId,
    message: {
      message_id: nextUpdateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: 'private' },
      from: { id: chatId, is_bot: false, first_name: 'Ada', last_name: 'Lovelace', username: 'ada' },
      text,
    },
  };
}

/** The chatbot's leads, newest first, as `GET /v1/leads` shows them. */
export async function leadsOf(app: TestApp, key: string, chatbot: string) {
  const response = await app.request({ url: `/v1/leads?chatbot_id=${chatbot}&page_size=100`, key });
  expect(response.statusCode).toBe(200);
  return response.json().data as Record<string, unknown>[];
}

/** Turns the chatbot's lead capture from chat on or off. */
export async function captureLeadsFromChat(app: TestApp, key: string, chatbot: string, on: boolean) {
  const response = await app.request({
    method: 'PATCH',
    url: `/v1/chatbots/${chatbot}`,
    key,
    body: { lead_settings: { capture_from_chat: on } },
  });
  expect(response.statusCode, response.body).toBe(200);
}

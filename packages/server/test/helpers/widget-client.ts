// A widget visitor's side of the public API, for tests: requests from a page on an origin, from
// an address of their own, and chat messages with their streamed events.
import { randomInt } from 'node:crypto';
import { parseEvents } from './chat-fixtures.ts';
import type { TestApp } from './test-app.ts';

/** A visitor's address: random, so counters of earlier runs (in Redis) do not carry over. */
export function visitorIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

export interface PublicRequest {
  method?: 'GET' | 'POST' | 'OPTIONS';
  url: string;
  body?: unknown;
  /** The page's origin; null sends none. */
  origin?: string | null;
  token?: string;
  ip?: string;
  headers?: Record<string, string>;
}

export function widgetClient(t: TestApp, site: string) {
  function pub(options: PublicRequest) {
    const { method = 'GET', url, body, origin = site, token, ip = visitorIp(), headers = {} } = options;
    return t.app.inject({
      method,
      url,
      remoteAddress: ip,
      headers: {
        ...(origin ? { origin } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  }

  /** One chat message through the public API; returns the stream's events and the conversation. */
  async function chat(botId: string, body: Record<string, unknown>, token?: string) {
    const response = await pub({ method: 'POST', url: `/public/v1/chatbots/${botId}/chat`, body, token });
    const events = response.statusCode === 200 ? parseEvents(response.body) : [];
    const first = events[0]?.data ?? {};
    return {
      response,
      events,
      conversationId: first.conversation_id as string,
      token: first.conversation_token as string,
    };
  }

  return { pub, chat };
}

// The client of the public API under /public/v1/chatbots/{id} (docs/widget.md). No API key:
// the server trusts the page's Origin, and a conversation token proves the conversation.

import { createSseParser } from './sse.ts';
import type {
  ApiErrorBody,
  ChatEvent,
  Conversation,
  Identity,
  LeadDetails,
  Message,
  WidgetConfig,
} from './types.ts';

export class ApiError extends Error {
  status: number;
  code: string;
  /** Seconds, from `Retry-After` on a 429. */
  retryAfter: number | null;

  constructor(status: number, body: ApiErrorBody | undefined, retryAfter: number | null = null) {
    super(body?.message || `Request failed with status ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.code || body?.type || 'unknown';
    this.retryAfter = retryAfter;
  }
}

export type ChatBody = {
  message: string;
  conversation_id?: string;
  visitor?: { id?: string };
  identity?: Identity;
};

export type Api = ReturnType<typeof createApi>;

export function createApi(apiBase: string, chatbotId: string, fetchImpl: typeof fetch = fetch) {
  const root = `${apiBase.replace(/\/+$/, '')}/public/v1/chatbots/${encodeURIComponent(chatbotId)}`;

  const request = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (init.body) headers['Content-Type'] = 'application/json';
    if (init.token) headers.Authorization = `Bearer ${init.token}`;
    Object.assign(headers, init.headers);
    // No cookies: the token is the only credential, which keeps CORS simple for the server.
    const res = await fetchImpl(root + path, { ...init, headers, credentials: 'omit' });
    if (!res.ok) throw await errorFrom(res);
    return res;
  };

  const json = async <T>(path: string, init?: RequestInit & { token?: string | null }): Promise<T> =>
    (await request(path, init)).json() as Promise<T>;

  return {
    async config(): Promise<WidgetConfig> {
      try {
        return await json<WidgetConfig>('/config');
      } catch (err) {
        if (err instanceof ApiError) throw err;
        // The server answers a page whose origin the chatbot does not allow without CORS headers,
        // so the browser hides its 403 as a network error. An opaque (no-cors) request that gets
        // through tells the two apart: the server is up and withheld the answer from this site.
        const reachable = await fetchImpl(`${root}/config`, { mode: 'no-cors', credentials: 'omit' }).then(
          () => true,
          () => false,
        );
        if (!reachable) throw err;
        throw new ApiError(403, {
          code: 'origin_not_allowed',
          message: 'This chat is not available on this site.',
        });
      }
    },

    /** Sends a visitor message and calls `onEvent` for each event of the reply as it streams. */
    async chat(
      body: ChatBody,
      token: string | null,
      onEvent: (event: ChatEvent) => void,
      signal?: AbortSignal,
    ) {
      const res = await request('/chat', {
        method: 'POST',
        body: JSON.stringify(body),
        token,
        signal,
        headers: { Accept: 'text/event-stream' },
      });
      if (!res.body) throw new ApiError(res.status, { message: 'The reply had no body.' });
      const parser = createSseParser(({ event, data }) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          return; // a malformed event is skipped rather than ending the whole reply
        }
        if (parsed && typeof parsed === 'object') onEvent({ ...parsed, type: event } as ChatEvent);
      });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.push(decoder.decode(value, { stream: true }));
        }
        parser.push(decoder.decode());
        parser.end();
      } catch (err) {
        // `onEvent` threw (an `error` event) or the connection broke: stop reading either way.
        reader.cancel().catch(() => {});
        throw err;
      }
    },

    /** The whole history, oldest first (a page of 100 at a time; a visitor's chat is short). */
    async messages(conversationId: string, token: string) {
      const out: Message[] = [];
      let conversation: Conversation | undefined;
      let cursor: string | null = null;
      for (let page = 0; page < 20; page++) {
        const query: string = `?page_size=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const body = await json<{
          conversation?: Conversation;
          data: Message[];
          has_more?: boolean;
          next_cursor?: string | null;
        }>(`/conversations/${encodeURIComponent(conversationId)}/messages${query}`, { token });
        conversation ??= body.conversation;
        out.push(...(body.data ?? []));
        if (!body.has_more || !body.next_cursor) break;
        cursor = body.next_cursor;
      }
      return { conversation, messages: out };
    },

    escalate: (conversationId: string, token: string, reason?: string) =>
      json<{ conversation: Conversation }>(`/conversations/${encodeURIComponent(conversationId)}/escalate`, {
        method: 'POST',
        token,
        body: JSON.stringify(reason ? { reason } : {}),
      }),

    /** The visitor is typing (or stopped): shown to the team, never stored. */
    typing: (conversationId: string, token: string, typing: boolean) =>
      json<{ typing: boolean }>(`/conversations/${encodeURIComponent(conversationId)}/typing`, {
        method: 'POST',
        token,
        body: JSON.stringify({ typing }),
      }),

    lead: (body: LeadDetails & { conversation_id?: string }, token?: string | null) =>
      json<{ captured: boolean }>('/leads', { method: 'POST', token, body: JSON.stringify(body) }),

    feedback: (messageId: string, rating: 'up' | 'down', token: string) =>
      json<{ message: Message }>('/feedback', {
        method: 'POST',
        token,
        body: JSON.stringify({ message_id: messageId, rating }),
      }),

    /** The visitor's 1–5 rating of a resolved conversation, with an optional comment; once. */
    rateConversation: (conversationId: string, token: string, rating: number, comment?: string) =>
      json<{ rated: true; rating: number }>(`/conversations/${encodeURIComponent(conversationId)}/rating`, {
        method: 'POST',
        token,
        body: JSON.stringify(comment ? { rating, comment } : { rating }),
      }),

    /** EventSource cannot send headers, so the token rides in the query string. */
    eventsUrl: (conversationId: string, token: string) =>
      `${root}/conversations/${encodeURIComponent(conversationId)}/events?token=${encodeURIComponent(token)}`,
  };
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: ApiErrorBody | undefined;
  try {
    body = ((await res.json()) as { error?: ApiErrorBody }).error;
  } catch {
    body = undefined;
  }
  const header = res.headers.get('Retry-After');
  const seconds = header && /^\d+$/.test(header.trim()) ? Number(header) : null;
  return new ApiError(res.status, body, seconds);
}

/** One line a visitor can read, for any failure of a request. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'origin_not_allowed') return 'This chat is not available on this site.';
    // The API's message names the bot's id, which says nothing to a visitor.
    if (err.code === 'chatbot_inactive') return 'This chat is paused right now. Please try again later.';
    if (err.status === 429) {
      if (err.code === 'monthly_message_limit_reached' || err.code.startsWith('quota')) {
        return 'This chat cannot take more messages right now. Please try again later.';
      }
      const wait = err.retryAfter;
      return wait
        ? `Too many messages. Please try again in ${wait} second${wait === 1 ? '' : 's'}.`
        : 'Too many messages. Please wait a moment and try again.';
    }
    if (err.status === 404) return 'This chat could not be found.';
    if (err.status >= 500) return 'The chat service had a problem. Please try again.';
    return err.message;
  }
  if (err instanceof Error && err.name === 'AbortError') return 'The reply was interrupted.';
  return 'Could not reach the chat service. Check your connection and try again.';
}

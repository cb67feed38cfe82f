// The Telegram Bot API adapter: calls (`{ok, result}` / `{ok: false, error_code, description}`),
// what an update says, and how a reply is written. The token is part of every call's URL, so no
// URL, request or raw error from here is ever logged or returned: only Telegram's description.
import { splitMessage } from './message-parts.ts';
import { PlatformError } from './platform-error.ts';

/** A failed call: Telegram's error code and description, or a network failure (status 0). */
export class TelegramError extends PlatformError {
  constructor(status: number, message: string, retryAfter: number | null = null) {
    // Telegram refuses the token with 401 (revoked) or 404 (no such bot).
    super(status, message, { retryAfter, credentialsRejected: status === 401 || status === 404 });
    this.name = 'TelegramError';
  }
}

export interface TelegramUpdate {
  update_id: number;
  message?: {
    message_id: number;
    chat: { id: number; type?: string };
    from?: { id: number; is_bot?: boolean; first_name?: string; last_name?: string; username?: string };
    text?: string;
    /** The text that goes with a photo, video, document… */
    caption?: string;
  } & Partial<Record<(typeof CAPTIONED)[number], unknown>>;
}

/** What Telegram lets a person send with a caption; the caption is answered, the file not kept. */
const CAPTIONED = ['photo', 'video', 'document', 'animation', 'audio', 'voice'] as const;

/** The longest message Telegram's sendMessage takes, in characters. */
export const TELEGRAM_MAX_TEXT = 4096;
const CALL_TIMEOUT_MS = 15_000;

export function createTelegramClient(options: { apiUrl: string }) {
  async function call<T>(
    token: string,
    method: string,
    params: Record<string, unknown> = {},
    callOptions: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const timeout = AbortSignal.timeout(callOptions.timeoutMs ?? CALL_TIMEOUT_MS);
    const signal = callOptions.signal ? AbortSignal.any([timeout, callOptions.signal]) : timeout;
    let response: Response;
    try {
      response = await fetch(`${options.apiUrl}/bot${token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
        signal,
      });
    } catch (error) {
      const aborted = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      throw new TelegramError(
        0,
        aborted ? 'Telegram did not answer in time.' : 'Telegram could not be reached.',
      );
    }
    let body: {
      ok?: boolean;
      result?: T;
      error_code?: number;
      description?: string;
      parameters?: { retry_after?: number };
    };
    try {
      body = await response.json();
    } catch {
      throw new TelegramError(
        response.ok ? 502 : response.status,
        `Telegram answered ${response.status} without JSON.`,
      );
    }
    if (response.ok && body.ok) return body.result as T;
    const status = body.error_code ?? response.status;
    const retryAfter = body.parameters?.retry_after ?? null;
    throw new TelegramError(
      status,
      `Telegram: ${String(body.description ?? `error ${status}`).slice(0, 300)}`,
      retryAfter,
    );
  }

  return {
    getMe: (token: string) => call<{ id: number; username?: string; first_name?: string }>(token, 'getMe'),
    setWebhook: (token: string, url: string, secretToken: string) =>
      call<boolean>(token, 'setWebhook', { url, secret_token: secretToken, allowed_updates: ['message'] }),
    deleteWebhook: (token: string) => call<boolean>(token, 'deleteWebhook', { drop_pending_updates: false }),
    getWebhookInfo: (token: string) =>
      call<{ url: string; last_error_message?: string; pending_update_count?: number }>(
        token,
        'getWebhookInfo',
      ),
    getUpdates: (token: string, offset: number, timeoutSeconds: number, signal?: AbortSignal) =>
      call<TelegramUpdate[]>(
        token,
        'getUpdates',
        { offset, timeout: timeoutSeconds, allowed_updates: ['message'] },
        { timeoutMs: (timeoutSeconds + 10) * 1000, signal },
      ),
    sendMessage: (token: string, chatId: string, text: string) =>
      call<{ message_id: number }>(token, 'sendMessage', { chat_id: chatId, text }),
  };
}

export type TelegramClient = ReturnType<typeof createTelegramClient>;

/**
 * A reply as Telegram shows it: plain text, then the URLs of the sources it cites; as several
 * messages when longer than one takes.
 */
export function telegramParts(content: string, sources: { url: string | null }[]): string[] {
  const urls = [...new Set(sources.map((source) => source.url).filter((url): url is string => Boolean(url)))];
  return splitMessage(urls.length ? `${content}\n\n${urls.join('\n')}` : content, TELEGRAM_MAX_TEXT);
}

/** Who wrote the update, as the conversation's visitor. */
export function telegramVisitor(update: TelegramUpdate) {
  const from = update.message?.from;
  if (!from) return undefined;
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ');
  return {
    id: `telegram:${from.id}`,
    ...(name ? { name } : from.username ? { name: from.username } : {}),
  };
}

/**
 * Text a person sent in a chat, or the caption of their photo (or video, document…), as a
 * conversation turn; null for anything else (stickers, a photo alone, bots).
 */
export function telegramMessage(update: TelegramUpdate) {
  const attachment = CAPTIONED.find((type) => update.message?.[type] !== undefined);
  const written = typeof update.message?.text === 'string' ? update.message.text : update.message?.caption;
  const text = typeof written === 'string' ? written.trim() : '';
  const chat = update.message?.chat?.id;
  if (!text || (typeof chat !== 'number' && typeof chat !== 'string') || update.message?.from?.is_bot)
    return null;
  const from = update.message!.from;
  return {
    threadKey: String(chat),
    text,
    visitor: telegramVisitor(update),
    metadata: {
      telegram: {
        update_id: update.update_id,
        chat_id: String(chat),
        user_id: from?.id ?? null,
        username: from?.username ?? null,
      },
      ...(attachment ? { attachment: { type: attachment } } : {}),
    },
  };
}

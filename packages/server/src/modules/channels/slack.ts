// The Slack adapter (Events API in, Web API out): request signatures (`v0=` HMAC-SHA256 of
// `v0:{timestamp}:{raw body}` with the app's signing secret, five minutes of clock tolerance),
// what an event says, and the calls Parley makes (auth.test, chat.postMessage in the thread).
// Web API answers are HTTP 200 with `{ok: false, error}` for most failures, 429 with Retry-After.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { splitMessage } from './message-parts.ts';
import { PlatformError, retryAfterHeader, unreachable } from './platform-error.ts';

/** Older (or further ahead) request timestamps are refused: a captured request cannot be replayed. */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 300;
/**
 * The longest text Parley posts in one message: Slack asks clients to keep messages within 4,000
 * characters (and truncates chat.postMessage's text beyond 40,000); longer replies are split.
 */
const SLACK_MAX_TEXT = 4000;
const CALL_TIMEOUT_MS = 15_000;
/** The Web API's errors that mean the token no longer works. */
const REVOKED = new Set(['invalid_auth', 'token_revoked', 'account_inactive', 'not_authed', 'token_expired']);

/** Whether a request carries a valid signature of its raw body, made within the tolerance. */
export function verifySlackSignature(
  signingSecret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: string,
  now: Date = new Date(),
): boolean {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SLACK_TIMESTAMP_TOLERANCE_SECONDS) return false;
  const expected = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
  const given = Buffer.from(signature);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export interface SlackEnvelope {
  type: string;
  challenge?: string;
  event_id?: string;
  team_id?: string;
  event?: SlackEvent;
}

export interface SlackEvent {
  type: string;
  subtype?: string;
  channel?: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
}

export function createSlackClient(options: { apiUrl: string }) {
  async function call<T>(token: string, method: string, params: Record<string, unknown> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${options.apiUrl}/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(params),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(error, 'Slack');
    }
    if (response.status === 429) {
      throw new PlatformError(429, 'Slack: rate limited', { retryAfter: retryAfterHeader(response) });
    }
    let body: { ok?: boolean; error?: string } & Record<string, unknown>;
    try {
      body = await response.json();
    } catch {
      throw new PlatformError(
        response.ok ? 502 : response.status,
        `Slack answered ${response.status} without JSON.`,
      );
    }
    if (response.ok && body.ok) return body as T;
    const code = String(body.error ?? `http_${response.status}`).slice(0, 100);
    throw new PlatformError(response.ok ? 400 : response.status, `Slack: ${code}`, {
      credentialsRejected: REVOKED.has(code),
      retryable: response.status >= 500 || code === 'ratelimited' || code === 'service_unavailable',
    });
  }

  return {
    /** The token's bot user and workspace: the health check. */
    authTest: (token: string) =>
      call<{ team_id: string; team?: string; user_id: string; user?: string; bot_id?: string }>(
        token,
        'auth.test',
      ),
    /** A message in the channel, in the thread of `threadTs`. */
    postMessage: (token: string, message: { channel: string; thread_ts: string; text: string }) =>
      call<{ ts: string; channel: string }>(token, 'chat.postMessage', { ...message, unfurl_links: false }),
  };
}

export type SlackClient = ReturnType<typeof createSlackClient>;

/**
 * What a person said to the bot: a direct message, or a mention in a channel (its thread is the
 * conversation). Null for anything else: bots (Parley's own replies included), edits, joins.
 */
export function slackMessage(envelope: SlackEnvelope, botUserId: string | null) {
  const event = envelope.event;
  if (!event?.user || !event.channel || !event.ts || event.bot_id || event.subtype) return null;
  if (event.user === botUserId) return null;
  // A mention in a channel arrives as app_mention; direct messages as message (channel_type im).
  const addressed = event.type === 'app_mention' || (event.type === 'message' && event.channel_type === 'im');
  if (!addressed) return null;
  const text = slackPlainText((event.text ?? '').replace(/<@[A-Z0-9]+>/g, '')).trim();
  if (!text) return null;
  const threadTs = event.thread_ts ?? event.ts;
  return {
    threadKey: `${event.channel}:${threadTs}`,
    text,
    visitor: { id: `slack:${envelope.team_id ?? ''}:${event.user}` },
    metadata: {
      slack: {
        team_id: envelope.team_id ?? null,
        channel: event.channel,
        user: event.user,
        thread_ts: threadTs,
      },
    },
  };
}

/** Slack's escapes of `&`, `<` and `>` (the only ones it makes), decoded in one pass. */
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/**
 * What a person wrote, without Slack's markup: links `<url|label>` as `label (url)` (just the
 * label when it is the address itself, as for `mailto:`), `<url>` as the URL, channels `<#C…|name>`
 * as `#name`, `<!here>`-style mentions as `@here`, and `&amp;`, `&lt;`, `&gt;` decoded. Real `<`,
 * `>` and `&` are always escaped by Slack, so every `<…>` is markup.
 */
export function slackPlainText(text: string): string {
  const decode = (value: string) => value.replace(/&(?:amp|lt|gt);/g, (entity) => ENTITIES[entity]!);
  // One pass over markup and escapes alike, so that nothing is decoded twice.
  return text.replace(
    /<([^<>|]*)(?:\|([^<>]*))?>|&(?:amp|lt|gt);/g,
    (match, target: string | undefined, label: string | undefined) => {
      if (target === undefined) return ENTITIES[match]!;
      const url = decode(target);
      const shown = label === undefined ? undefined : decode(label);
      if (url.startsWith('#')) return `#${shown ?? url.slice(1)}`;
      if (url.startsWith('!')) return shown ?? `@${url.slice(1).split('^')[0]}`;
      if (url.startsWith('@')) return shown ? `@${shown.replace(/^@/, '')}` : url;
      const address = url.replace(/^mailto:/, '');
      if (!shown || shown === url || shown === address) return address;
      return `${shown} (${url})`;
    },
  );
}

/** Where a reply to a thread goes: its channel and thread timestamp. */
export function slackTarget(threadKey: string) {
  const cut = threadKey.indexOf(':');
  return { channel: threadKey.slice(0, cut), thread_ts: threadKey.slice(cut + 1) };
}

/**
 * A reply as Slack shows it: the text (Slack's `&`, `<`, `>` escaped), then source links; as
 * several messages in the thread when longer than Slack shows well in one.
 */
export function slackParts(content: string, sources: { url: string | null }[]): string[] {
  const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const urls = [...new Set(sources.map((source) => source.url).filter((url): url is string => Boolean(url)))];
  // Cut before escaping, measured escaped, so that no cut falls inside an `&amp;`.
  const parts = splitMessage(content, SLACK_MAX_TEXT, (text) => escaped(text).length).map(escaped);
  if (urls.length === 0) return parts;
  const links = urls.map((url) => `<${url}>`).join('\n');
  const last = parts.at(-1);
  if (last !== undefined && last.length + 2 + links.length <= SLACK_MAX_TEXT) {
    parts[parts.length - 1] = `${last}\n\n${links}`;
  } else {
    parts.push(links);
  }
  return parts;
}

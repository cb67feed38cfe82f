// The WhatsApp Cloud API adapter (Meta's Graph API): the subscription handshake's verify token,
// `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret) on every POST, the
// messages a webhook carries, and the calls Parley makes with the access token: reading the
// phone number (health check) and `POST /{version}/{phone_number_id}/messages`, as free text
// inside the 24-hour customer-service window and as an approved template outside it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { splitMessage } from './message-parts.ts';
import { PlatformError, retryAfterHeader, unreachable } from './platform-error.ts';

export const GRAPH_API_VERSION = 'v21.0';
/** Free text reaches a customer only this long after their last message. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 3600 * 1000;
/** The longest text message (and template variable) WhatsApp takes. */
const WHATSAPP_MAX_TEXT = 4096;
const CALL_TIMEOUT_MS = 15_000;
/** Graph error codes: 190 the access token is invalid or expired; throttling otherwise. */
const TOKEN_INVALID = 190;
const THROTTLED = new Set([4, 80007, 130429, 131056]);

export function verifyWhatsAppSignature(
  appSecret: string,
  header: string | undefined,
  rawBody: string,
): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', appSecret).update(rawBody).digest('hex'));
  const given = Buffer.from(header.slice('sha256='.length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The kinds of message a customer can send with a caption: the caption is answered, the file not kept. */
const CAPTIONED = new Set(['image', 'video', 'document']);

export interface WhatsAppInbound {
  phone_number_id: string;
  contact: { wa_id?: string; profile?: { name?: string } } | null;
  message: {
    id: string;
    from: string;
    timestamp?: string;
    type: string;
    text?: { body?: string };
  } & { [media: string]: unknown };
}

/** The customers' messages of one webhook POST for this phone number (statuses are not kept). */
export function whatsappMessages(body: unknown, phoneNumberId: string): WhatsAppInbound[] {
  const found: WhatsAppInbound[] = [];
  const entries = (body as { entry?: unknown })?.entry;
  for (const entry of Array.isArray(entries) ? entries : []) {
    for (const change of Array.isArray(entry?.changes) ? entry.changes : []) {
      const value = change?.value;
      if (change?.field !== 'messages' || value?.metadata?.phone_number_id !== phoneNumberId) continue;
      const contacts: WhatsAppInbound['contact'][] = Array.isArray(value.contacts) ? value.contacts : [];
      for (const message of Array.isArray(value.messages) ? value.messages : []) {
        if (typeof message?.id !== 'string' || typeof message?.from !== 'string') continue;
        const contact = contacts.find((candidate) => candidate?.wa_id === message.from) ?? null;
        found.push({ phone_number_id: phoneNumberId, contact, message });
      }
    }
  }
  return found;
}

/** The text a customer wrote: a text message's body, or the caption of an image, video or document. */
function writtenText(message: WhatsAppInbound['message']): string {
  if (message.type === 'text') return message.text?.body ?? '';
  if (!CAPTIONED.has(message.type)) return '';
  const caption = (message[message.type] as { caption?: unknown } | undefined)?.caption;
  return typeof caption === 'string' ? caption : '';
}

/**
 * A stored inbound message as a conversation turn; null when it has no text (reactions,
 * locations, an image without a caption).
 */
export function whatsappMessage(stored: WhatsAppInbound) {
  const text = writtenText(stored.message).trim();
  if (!text) return null;
  const attachment = stored.message.type === 'text' ? null : stored.message.type;
  const phone = `+${stored.message.from.replace(/^\+/, '')}`;
  const name = stored.contact?.profile?.name;
  const seconds = Number(stored.message.timestamp);
  return {
    threadKey: stored.message.from,
    text,
    visitor: { id: `whatsapp:${phone}`, ...(name ? { name } : {}) },
    contact: { phone, ...(name ? { name } : {}) },
    metadata: {
      whatsapp: { phone, wa_id: stored.message.from, message_id: stored.message.id },
      ...(attachment ? { attachment: { type: attachment } } : {}),
    },
    sentAt: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date(),
  };
}

/** A reply as WhatsApp shows it, then its sources' URLs; as several messages when longer than one takes. */
export function whatsappParts(content: string, sources: { url: string | null }[]): string[] {
  const urls = [...new Set(sources.map((source) => source.url).filter((url): url is string => Boolean(url)))];
  return splitMessage(urls.length ? `${content}\n\n${urls.join('\n')}` : content, WHATSAPP_MAX_TEXT);
}

export interface WhatsAppTemplate {
  name: string;
  language: string;
}

export function createWhatsAppClient(options: { apiUrl: string }) {
  async function call<T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${options.apiUrl}/${GRAPH_API_VERSION}/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(error, 'WhatsApp');
    }
    let answer: { error?: { message?: string; code?: number } } & Record<string, unknown>;
    try {
      answer = await response.json();
    } catch {
      throw new PlatformError(
        response.ok ? 502 : response.status,
        `WhatsApp answered ${response.status} without JSON.`,
      );
    }
    if (response.ok && !answer.error) return answer as T;
    const code = answer.error?.code ?? 0;
    const throttled = response.status === 429 || THROTTLED.has(code);
    throw new PlatformError(
      throttled ? 429 : response.status,
      `WhatsApp: ${String(answer.error?.message ?? `error ${response.status}`).slice(0, 300)}`,
      {
        retryAfter: retryAfterHeader(response),
        credentialsRejected: code === TOKEN_INVALID || response.status === 401,
        retryable: throttled || response.status >= 500,
      },
    );
  }

  return {
    /** The business phone number: the health check. */
    phoneNumber: (token: string, phoneNumberId: string) =>
      call<{ id: string; display_phone_number?: string; verified_name?: string }>(
        token,
        'GET',
        `${encodeURIComponent(phoneNumberId)}?fields=display_phone_number,verified_name`,
      ),
    send: (
      token: string,
      phoneNumberId: string,
      to: string,
      content: { text: string; template?: WhatsAppTemplate },
    ) =>
      call<{ messages?: { id: string }[] }>(token, 'POST', `${encodeURIComponent(phoneNumberId)}/messages`, {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to,
        ...(content.template
          ? {
              type: 'template',
              template: {
                name: content.template.name,
                language: { code: content.template.language },
                // The template's one body variable ({{1}}) carries the message.
                components: [{ type: 'body', parameters: [{ type: 'text', text: content.text }] }],
              },
            }
          : { type: 'text', text: { body: content.text, preview_url: false } }),
      }),
  };
}

export type WhatsAppClient = ReturnType<typeof createWhatsAppClient>;

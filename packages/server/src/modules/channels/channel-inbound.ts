// What platforms POST to `/hooks/channels/…`: each request is authenticated the platform's way
// (Telegram's secret token, Slack's and WhatsApp's HMAC signatures of the raw body, Standard
// Webhooks for custom channels, Mailgun's signed fields or Postmark's basic auth for email) before
// its body is validated or read, then stored once per platform id and acknowledged at once:
// answering is a job's work. A refusal is the same 403 whatever failed and whatever the body, so
// that it tells nothing about which channels exist or what they expect.
import { AppError } from '../../lib/errors.ts';
import type { ChannelRow } from './channel-repository.ts';
import { type ChannelService, sameSecret } from './channel-service.ts';
import { verifyCustomSignature } from './custom-channel.ts';
import {
  type EmailSettings,
  type InboundEmail,
  mailgunEmail,
  newThread,
  postmarkEmail,
  threadOf,
  verifyBasicAuth,
  verifyMailgun,
} from './email.ts';
import { type SlackEnvelope, verifySlackSignature } from './slack.ts';
import { verifyWhatsAppSignature, whatsappMessages } from './whatsapp.ts';

export const forbidden = () =>
  new AppError(
    'permission_error',
    'invalid_webhook_signature',
    'The webhook secret or signature is missing or wrong.',
  );

/** Custom channels' inbound body. */
export interface CustomInboundBody {
  thread_id: string;
  text: string;
  user?: { id?: string; name?: string; email?: string };
}

/** The types whose platforms POST to Parley. */
export type HookType = ChannelRow['type'];

/** What a request offers as proof: its headers (lower-case names), raw body and parsed body. */
export interface HookRequest {
  header(name: string): string | undefined;
  rawBody: string;
  /** The parsed body (Mailgun signs fields of it), or undefined when it could not be read. */
  body: unknown;
}

/** A request proven to come from the channel's platform. */
export interface Authenticated {
  channel: ChannelRow;
  secret: string;
  /** Mailgun: the post's one-time token, claimed when the post is stored. */
  token: string | null;
}

/** Form fields as strings, or null when the body is not a set of fields. */
function fieldsOf(body: unknown): Record<string, string> | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]));
}

export function createChannelInbound(deps: { channels: ChannelService }) {
  const { channels } = deps;

  /** The channel the URL names, if it is of this type, waits for webhooks and has its secret. */
  async function hooked(wireId: string, type: HookType) {
    const channel = await channels.hookChannel(wireId, type);
    const secret = channel && channel.mode === 'webhook' ? channels.hookSecretOf(channel) : null;
    if (!channel || !secret) throw forbidden();
    return { channel, secret };
  }

  return {
    /**
     * Whether the request comes from the channel's platform: nothing of the body is trusted or
     * validated before this, and nothing is stored. Throws the 403 otherwise.
     */
    async authenticate(type: HookType, wireId: string, request: HookRequest): Promise<Authenticated> {
      const { channel, secret } = await hooked(wireId, type);
      const valid = (ok: boolean, token: string | null = null): Authenticated => {
        if (!ok) throw forbidden();
        return { channel, secret, token };
      };
      switch (type) {
        case 'telegram': {
          const given = request.header('x-telegram-bot-api-secret-token');
          return valid(typeof given === 'string' && sameSecret(secret, given));
        }
        case 'slack':
          return valid(
            verifySlackSignature(
              secret,
              {
                timestamp: request.header('x-slack-request-timestamp'),
                signature: request.header('x-slack-signature'),
              },
              request.rawBody,
            ),
          );
        case 'whatsapp':
          return valid(
            verifyWhatsAppSignature(secret, request.header('x-hub-signature-256'), request.rawBody),
          );
        case 'custom':
          return valid(
            verifyCustomSignature(
              secret,
              {
                'webhook-id': request.header('webhook-id') ?? '',
                'webhook-timestamp': request.header('webhook-timestamp') ?? '',
                'webhook-signature': request.header('webhook-signature') ?? '',
              },
              request.rawBody,
            ),
          );
        case 'email': {
          const settings = channel.settings as unknown as EmailSettings;
          if (settings.provider !== 'mailgun') {
            return valid(verifyBasicAuth(request.header('authorization'), secret));
          }
          const fields = fieldsOf(request.body);
          return valid(Boolean(fields && verifyMailgun(secret, fields)), fields?.token ?? null);
        }
      }
    },

    async telegram({ channel }: Authenticated, update: { update_id: number }) {
      await channels.accept(channel, String(update.update_id), update);
    },

    /** An Events API request: the url_verification challenge to echo, or null once stored. */
    async slack({ channel }: Authenticated, body: SlackEnvelope): Promise<string | null> {
      if (body.type === 'url_verification') return String(body.challenge ?? '');
      // Retries (X-Slack-Retry-Num) carry the same event_id: stored once.
      if (body.type === 'event_callback' && typeof body.event_id === 'string') {
        await channels.accept(channel, body.event_id, body as unknown as Record<string, unknown>);
      }
      return null;
    },

    /** Meta's subscription handshake: the challenge when the verify token matches. */
    async whatsappVerify(
      wireId: string,
      query: { 'hub.mode'?: string; 'hub.verify_token'?: string; 'hub.challenge'?: string },
    ): Promise<string> {
      const channel = await channels.hookChannel(wireId, 'whatsapp');
      const expected = channel ? channels.verifyTokenOf(channel) : null;
      const given = query['hub.verify_token'];
      if (
        !expected ||
        query['hub.mode'] !== 'subscribe' ||
        typeof given !== 'string' ||
        !sameSecret(expected, given)
      ) {
        throw forbidden();
      }
      return query['hub.challenge'] ?? '';
    },

    /** A webhook POST: each customer message stored once by its wamid. */
    async whatsapp({ channel }: Authenticated, body: unknown) {
      const phoneNumberId = String(channel.settings.phone_number_id);
      for (const message of whatsappMessages(body, phoneNumberId)) {
        await channels.accept(channel, message.message.id, message as unknown as Record<string, unknown>);
      }
    },

    /**
     * An email posted by the channel's provider, stored once by Message-ID in the thread it
     * continues. Mailgun's token is claimed in the transaction that stores the email: of posts
     * sharing a token only the first is taken, the others are a 403 that changes nothing.
     */
    async email({ channel, secret, token }: Authenticated, body: Record<string, unknown>) {
      const settings = channel.settings as unknown as EmailSettings;
      const email: InboundEmail | null =
        settings.provider === 'mailgun' ? mailgunEmail(fieldsOf(body) ?? {}) : postmarkEmail(body);
      if (!email) {
        throw AppError.invalid('invalid_email', 'The email has no sender or no Message-ID.');
      }
      const thread = threadOf(email, settings.address) ?? newThread(secret, email.message_id);
      const payload = { ...email, thread } as unknown as Record<string, unknown>;
      if (token === null) {
        await channels.accept(channel, email.message_id, payload);
        return;
      }
      if ((await channels.acceptOnce(channel, token, email.message_id, payload)) === 'replayed') {
        throw new AppError('permission_error', 'replayed_webhook', 'This webhook token was already used.');
      }
    },

    /** A custom channel's message, stored once by its webhook-id. */
    async custom({ channel }: Authenticated, webhookId: string, body: CustomInboundBody) {
      await channels.accept(channel, webhookId, body as unknown as Record<string, unknown>);
    },
  };
}

export type ChannelInbound = ReturnType<typeof createChannelInbound>;

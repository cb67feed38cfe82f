// What platforms POST to `/hooks/channels/…`: each request is authenticated the platform's way
// (Telegram's secret token, Slack's and WhatsApp's HMAC signatures of the raw body, Standard
// Webhooks for custom channels) before anything is read, then stored once per platform id and
// acknowledged at once: answering is a job's work. A refusal is the same 403 whatever failed,
// so that it tells nothing about which channels exist.
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

const forbidden = () =>
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

export function createChannelInbound(deps: { channels: ChannelService }) {
  const { channels } = deps;
  const secretOf = (channel: ChannelRow) => channels.hookSecretOf(channel);

  /** The channel the URL names, if it is of this type, waits for webhooks and has its secret. */
  async function hooked(wireId: string, type: ChannelRow['type']) {
    const channel = await channels.hookChannel(wireId, type);
    const secret = channel && channel.mode === 'webhook' ? secretOf(channel) : null;
    if (!channel || !secret) throw forbidden();
    return { channel, secret };
  }

  return {
    async telegram(wireId: string, given: string | undefined, update: { update_id: number }) {
      const { channel, secret } = await hooked(wireId, 'telegram');
      if (typeof given !== 'string' || !sameSecret(secret, given)) throw forbidden();
      await channels.accept(channel, String(update.update_id), update);
    },

    /** An Events API request: the url_verification challenge to echo, or null once stored. */
    async slack(
      wireId: string,
      headers: { timestamp: string | undefined; signature: string | undefined },
      rawBody: string,
      body: SlackEnvelope,
    ): Promise<string | null> {
      const { channel, secret } = await hooked(wireId, 'slack');
      if (!verifySlackSignature(secret, headers, rawBody)) throw forbidden();
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
    async whatsapp(wireId: string, signature: string | undefined, rawBody: string, body: unknown) {
      const { channel, secret } = await hooked(wireId, 'whatsapp');
      if (!verifyWhatsAppSignature(secret, signature, rawBody)) throw forbidden();
      const phoneNumberId = String(channel.settings.phone_number_id);
      for (const message of whatsappMessages(body, phoneNumberId)) {
        await channels.accept(channel, message.message.id, message as unknown as Record<string, unknown>);
      }
    },

    /**
     * An email posted by the channel's provider: Mailgun's signature (recent, its token used
     * once) or Postmark's basic auth. Stored once by Message-ID, in the thread it continues.
     */
    async email(wireId: string, authorization: string | undefined, body: Record<string, unknown>) {
      const { channel, secret } = await hooked(wireId, 'email');
      const settings = channel.settings as unknown as EmailSettings;
      let email: InboundEmail | null;
      let token: string | null = null;
      if (settings.provider === 'mailgun') {
        const fields = Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]));
        if (!verifyMailgun(secret, fields)) throw forbidden();
        token = fields.token!;
        if (await channels.inboundSeen(channel, 'mailgun_token', token)) {
          throw new AppError('permission_error', 'replayed_webhook', 'This webhook token was already used.');
        }
        email = mailgunEmail(fields);
      } else {
        if (!verifyBasicAuth(authorization, secret)) throw forbidden();
        email = postmarkEmail(body);
      }
      if (!email) {
        throw AppError.invalid('invalid_email', 'The email has no sender or no Message-ID.');
      }
      const thread = threadOf(email, settings.address) ?? newThread(secret, email.message_id);
      await channels.accept(channel, email.message_id, {
        ...email,
        thread,
        ...(token ? { mailgun_token: token } : {}),
      } as unknown as Record<string, unknown>);
    },

    /** A custom channel's message, stored once by its webhook-id. */
    async custom(wireId: string, headers: Record<string, string>, rawBody: string, body: CustomInboundBody) {
      const { channel, secret } = await hooked(wireId, 'custom');
      if (!verifyCustomSignature(secret, headers, rawBody)) throw forbidden();
      await channels.accept(channel, headers['webhook-id']!, body as unknown as Record<string, unknown>);
    },
  };
}

export type ChannelInbound = ReturnType<typeof createChannelInbound>;

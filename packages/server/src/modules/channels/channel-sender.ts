// Sends one stored reply on its platform, with the channel's credentials. Throws PlatformError:
// the worker decides from it whether to retry, give up, or mark the channel disconnected.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { encodeId } from '../../lib/ids.ts';
import type { SafeFetch } from '../../lib/safe-fetch.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { ChannelRow, DeliveryRow } from './channel-repository.ts';
import * as repo from './channel-repository.ts';
import { sendCustom } from './custom-channel.ts';
import { type EmailSettings, emailIds, type InboundEmail, type Mailer } from './email.ts';
import { partsOf } from './message-parts.ts';
import { PlatformError } from './platform-error.ts';
import type { SlackClient } from './slack.ts';
import type { TelegramClient } from './telegram.ts';
import { CUSTOMER_SERVICE_WINDOW_MS, type WhatsAppClient, type WhatsAppTemplate } from './whatsapp.ts';

export interface WhatsAppSettings {
  phone_number_id: string;
  template?: WhatsAppTemplate;
}

/** Why free text cannot reach a WhatsApp customer now, or null while their window is open. */
export function whatsappWindowClosed(lastInboundAt: Date | null, now = Date.now()): string | null {
  if (lastInboundAt && now - lastInboundAt.getTime() < CUSTOMER_SERVICE_WINDOW_MS) return null;
  const since = lastInboundAt ? `last wrote at ${lastInboundAt.toISOString()}` : 'has not written';
  return `WhatsApp's 24-hour customer-service window is closed (the customer ${since}): free text is refused until they write again. Set a template on the channel to reach them with it.`;
}

export function createChannelSender(deps: {
  db: Database;
  secretBox: SecretBox;
  telegram: TelegramClient;
  slack: SlackClient;
  whatsapp: WhatsAppClient;
  mailer: Mailer;
  /** For custom channels' URLs, which tenants choose: guarded like webhook endpoints. */
  fetch: SafeFetch;
}) {
  const token = (channel: ChannelRow) => deps.secretBox.decrypt(channel.botTokenSealed!);

  /**
   * Sends a reply's parts in order, from the first not sent yet: each part sent is recorded at
   * once, so that a retry after a later part failed goes on where it stopped and never sends a
   * part twice. Returns what to keep: the first part's platform answer, and every part's.
   */
  async function inParts(
    delivery: DeliveryRow,
    sendOne: (text: string) => Promise<Record<string, unknown>>,
  ): Promise<Record<string, unknown>> {
    const parts = partsOf(delivery.payload);
    const sent = Array.isArray(delivery.payload.sent_parts)
      ? [...(delivery.payload.sent_parts as Record<string, unknown>[])]
      : [];
    for (let index = sent.length; index < parts.length; index++) {
      sent.push(await sendOne(parts[index]!));
      if (index < parts.length - 1) {
        await repo.updateDelivery(deps.db.orm, delivery.id, {
          payload: { ...delivery.payload, sent_parts: sent },
        });
      }
    }
    return parts.length > 1 ? { ...sent[0], sent_parts: sent } : { ...sent[0] };
  }

  async function sendWhatsApp(channel: ChannelRow, delivery: DeliveryRow) {
    const to = String(delivery.payload.to);
    const settings = channel.settings as unknown as WhatsAppSettings;
    const thread = await repo.findThread(deps.db.orm, channel.id, to);
    const closed = whatsappWindowClosed(thread?.lastInboundAt ?? null);
    if (closed && !settings.template) throw new PlatformError(400, closed, { retryable: false });
    return inParts(delivery, async (text) => {
      const sent = await deps.whatsapp.send(token(channel), settings.phone_number_id, to, {
        text,
        ...(closed ? { template: settings.template } : {}),
      });
      return {
        whatsapp_message_id: sent.messages?.[0]?.id ?? null,
        ...(closed ? { template: settings.template!.name } : {}),
      };
    });
  }

  const customTarget = (channel: ChannelRow) => ({
    url: String((channel.settings as { url?: unknown }).url),
    secret: deps.secretBox.decrypt(channel.webhookSecretSealed!),
  });

  /** A reply by email to the conversation's last email: same subject, In-Reply-To and References. */
  async function sendEmail(
    channel: ChannelRow,
    delivery: DeliveryRow,
    payload: { thread: string; text: string },
  ) {
    const settings = channel.settings as unknown as EmailSettings;
    const answered = delivery.payload.in_reply_to_delivery;
    const last =
      typeof answered === 'string'
        ? await repo.findDelivery(deps.db.orm, answered)
        : delivery.conversationId
          ? await repo.lastInboundOf(deps.db.orm, channel.id, delivery.conversationId)
          : null;
    if (!last)
      throw new PlatformError(400, 'This conversation has no email to answer.', { retryable: false });
    const inbound = last.payload as unknown as InboundEmail;
    const ids = emailIds(settings.address, payload.thread, encodeId('chd', delivery.id));
    const subject = /^re:/i.test(inbound.subject) ? inbound.subject : `Re: ${inbound.subject}`;
    await deps.mailer.send(settings, channel.botTokenSealed ? token(channel) : null, {
      to: inbound.from.email,
      subject,
      text: payload.text,
      messageId: ids.messageId,
      inReplyTo: inbound.message_id,
      references: [...inbound.references, inbound.message_id],
      replyTo: ids.replyTo,
    });
    return { email_message_id: ids.messageId, to: inbound.from.email };
  }

  return {
    /** A custom channel's signed test call (`channel.test`): throws the receiver's refusal. */
    async ping(channel: ChannelRow): Promise<void> {
      await sendCustom(deps.fetch, {
        ...customTarget(channel),
        id: `ping_${randomUUID()}`,
        body: { type: 'channel.test', data: { channel_id: encodeId('ch', channel.id) } },
      });
    },

    /** Sends the delivery's payload; returns what to keep of the platform's answer. */
    async send(channel: ChannelRow, delivery: DeliveryRow): Promise<Record<string, unknown>> {
      const payload = delivery.payload as Record<string, string>;
      switch (channel.type) {
        case 'telegram':
          return inParts(delivery, async (text) => {
            const sent = await deps.telegram.sendMessage(token(channel), payload.chat_id!, text);
            return { telegram_message_id: sent.message_id };
          });
        case 'slack':
          return inParts(delivery, async (text) => {
            const sent = await deps.slack.postMessage(token(channel), {
              channel: payload.channel!,
              thread_ts: payload.thread_ts!,
              text,
            });
            return { slack_ts: sent.ts };
          });
        case 'whatsapp':
          return sendWhatsApp(channel, delivery);
        case 'custom': {
          await sendCustom(deps.fetch, {
            ...customTarget(channel),
            id: encodeId('chd', delivery.id),
            body: {
              type: 'message.created',
              data: {
                channel_id: encodeId('ch', channel.id),
                conversation_id: delivery.conversationId ? encodeId('conv', delivery.conversationId) : null,
                message_id: delivery.messageId ? encodeId('msg', delivery.messageId) : null,
                ...delivery.payload,
              },
            },
          });
          return {};
        }
        case 'email':
          return sendEmail(channel, delivery, payload as unknown as { thread: string; text: string });
      }
    },
  };
}

export type ChannelSender = ReturnType<typeof createChannelSender>;

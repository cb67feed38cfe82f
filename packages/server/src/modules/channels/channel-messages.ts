// What each platform's stored deliveries mean, without calling anyone: an inbound payload as a
// conversation turn (or nothing to answer), and a reply to a platform chat as the payload that
// will be sent. The worker and the outbox of agents' replies share these.
import type { PlatformContact } from '../chat/chat-service.ts';
import type { Visitor } from '../conversations/conversation-service.ts';
import type { ChannelRow } from './channel-repository.ts';
import { type CustomInbound, customMessage, customText } from './custom-channel.ts';
import { emailMessage, emailText, type InboundEmail } from './email.ts';
import { textPayload } from './message-parts.ts';
import { type SlackEnvelope, slackMessage, slackParts, slackTarget } from './slack.ts';
import { type TelegramUpdate, telegramMessage, telegramParts } from './telegram.ts';
import { type WhatsAppInbound, whatsappMessage, whatsappParts } from './whatsapp.ts';

export type ChannelType = ChannelRow['type'];

export interface InboundTurn {
  /** The platform chat this belongs to: one conversation per chat (channel_threads.external_id). */
  threadKey: string;
  text: string;
  visitor?: Visitor;
  /** The sender's address or number as the platform knows it: part of a lead when one is captured. */
  contact?: PlatformContact;
  metadata: Record<string, unknown>;
  /** When the visitor wrote, when the platform says. */
  sentAt?: Date;
}

export function inboundTurn(channel: ChannelRow, payload: Record<string, unknown>): InboundTurn | null {
  switch (channel.type) {
    case 'telegram':
      return telegramMessage(payload as unknown as TelegramUpdate);
    case 'slack': {
      const botUser = (channel.account as { id?: unknown }).id;
      return slackMessage(payload as unknown as SlackEnvelope, typeof botUser === 'string' ? botUser : null);
    }
    case 'whatsapp':
      return whatsappMessage(payload as unknown as WhatsAppInbound);
    case 'custom':
      return customMessage(payload as unknown as CustomInbound);
    case 'email':
      return emailMessage(payload as unknown as InboundEmail);
  }
}

/**
 * The stored payload of a reply to a platform chat. On Telegram, Slack and WhatsApp a reply
 * longer than one message takes is stored as its `parts`, sent in order (see the sender).
 */
export function replyPayload(
  type: ChannelType,
  threadKey: string,
  message: { content: string; role?: string; sources?: { url: string | null }[] },
): Record<string, unknown> {
  const sources = message.sources ?? [];
  switch (type) {
    case 'telegram':
      return textPayload({ chat_id: threadKey }, telegramParts(message.content, sources));
    case 'slack':
      return textPayload(slackTarget(threadKey), slackParts(message.content, sources));
    case 'whatsapp':
      return textPayload({ to: threadKey }, whatsappParts(message.content, sources));
    case 'custom':
      return {
        thread_id: threadKey,
        role: message.role ?? 'assistant',
        ...customText(message.content, sources),
      };
    case 'email':
      return { thread: threadKey, text: emailText(message.content, sources) };
  }
}

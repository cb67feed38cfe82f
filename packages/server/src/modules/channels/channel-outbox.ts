// What people say in a channel's conversation goes out on the channel: an agent's reply or the
// handoff notice is queued in the transaction that stores it, so it is sent exactly when it exists.
import type { Executor } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import type { ConversationRow, MessageRow } from '../conversations/conversation-schemas.ts';
import { replyPayload } from './channel-messages.ts';
import * as repo from './channel-repository.ts';
import { CHANNEL_TYPES } from './channel-schemas.ts';
import { whatsappWindowClosed } from './channel-sender.ts';

/** Channels that carry conversations, by the conversation's `channel`. */
const CHANNEL_NAMES = new Set<string>(CHANNEL_TYPES);

/** Queues the message; returns the channel it goes out on, or null for a conversation on none. */
export async function queueStaffMessage(
  tx: Executor,
  conversation: ConversationRow,
  message: MessageRow,
): Promise<string | null> {
  if (!CHANNEL_NAMES.has(conversation.channel)) return null;
  const found = await repo.findThreadOfConversation(tx, conversation.id);
  if (!found) return null;
  const { channel, thread } = found;
  // WhatsApp takes free text only within 24 hours of the customer's last message: an agent's
  // reply outside it is refused now, unless the channel has a template to send instead.
  if (channel.type === 'whatsapp' && message.role === 'agent' && !channel.settings.template) {
    const closed = whatsappWindowClosed(thread.lastInboundAt);
    if (closed) throw new AppError('conflict_error', 'whatsapp_window_closed', closed);
  }
  await repo.insertOutbound(tx, channel, {
    conversationId: conversation.id,
    messageId: message.id,
    payload: replyPayload(channel.type, thread.externalId, { content: message.content, role: message.role }),
  });
  return channel.id;
}

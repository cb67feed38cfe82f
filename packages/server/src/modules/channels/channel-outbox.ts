// What people say in a channel's conversation goes out on the channel: an agent's reply or the
// handoff notice is queued in the transaction that stores it, so it is sent exactly when it exists.
import type { Executor } from '../../db/client.ts';
import type { ConversationRow, MessageRow } from '../conversations/conversation-schemas.ts';
import * as repo from './channel-repository.ts';
import { telegramText } from './telegram.ts';

/** Channels that carry conversations, by the conversation's `channel`. */
const CHANNEL_NAMES = new Set(['telegram']);

export async function queueStaffMessage(
  tx: Executor,
  conversation: ConversationRow,
  message: MessageRow,
): Promise<void> {
  if (!CHANNEL_NAMES.has(conversation.channel)) return;
  const found = await repo.findThreadOfConversation(tx, conversation.id);
  if (!found) return;
  await repo.insertOutbound(tx, found.channel, {
    conversationId: conversation.id,
    messageId: message.id,
    payload: { chat_id: found.thread.externalId, text: telegramText(message.content, []) },
  });
}

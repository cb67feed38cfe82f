// What a seed's chat call answers with: the seeds know one reply string per turn, not the
// `system` message by which Parley tells the visitor that a person takes over. So the handoff
// notice is part of that string on the turn that hands the conversation over, and a client
// that shows the reply shows the visitor why the bot goes quiet.
import type { ChatReply, PreparedTurn } from '../chat/chat-service.ts';

/** The bot's reply, followed by the handoff notice when the reply handed the conversation over. */
export function replyText(reply: Pick<ChatReply, 'message' | 'escalation'>): string {
  const notice = reply.escalation?.systemMessage?.content;
  return notice ? `${reply.message.content}\n\n${notice}` : reply.message.content;
}

/**
 * A turn a person has: the handoff notice when this very message asked for one, otherwise null
 * (the person answers later, through the inbox).
 */
export function humanTurnText(turn: Pick<PreparedTurn, 'escalation'>): string | null {
  return turn.escalation?.systemMessage?.content ?? null;
}

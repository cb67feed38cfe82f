// Satisfaction on messaging channels: when the team resolves a channel's conversation, the chat is
// asked once for a 1–5 rating (queued with the resolution, sent like any reply), and the visitor's
// next message is read as that rating when it is one. The widget asks with its own form instead.
import type { Executor } from '../../db/client.ts';
import type { ConversationRow } from '../conversations/conversation-schemas.ts';
import { replyPayload } from './channel-messages.ts';
import * as repo from './channel-repository.ts';
import { CHANNEL_TYPES } from './channel-schemas.ts';
import { whatsappWindowClosed } from './channel-sender.ts';

export const RATING_REQUEST =
  'How would you rate the help you got? Reply with a number from 1 (poor) to 5 (great).';
export const RATING_THANKS = 'Thank you for your rating!';

const CHANNEL_NAMES = new Set<string>(CHANNEL_TYPES);

// A star, with or without the emoji variation selector, or the plain black star.
const STARS = /^(?:\u2B50\uFE0F?|\u2605)(?:\s*(?:\u2B50\uFE0F?|\u2605)){0,4}/u;
// A digit 1–5 not followed by another digit or a decimal part ("10", "4.5" are not ratings),
// optionally "/5", "out of 5", "star(s)" or "points".
const NUMBER = /^([1-5])(?![0-9]|[.,][0-9])(?:\s*(?:\/\s*5|out of 5|stars?|points?)\b)?/iu;

/**
 * A message read as a rating: it starts with a number 1–5 ("5", "5/5", "5 stars") or 1–5 stars,
 * and whatever follows is the comment. Null when the message is anything else.
 */
export function parseRating(text: string): { rating: number; comment?: string } | null {
  const trimmed = text.trim();
  let rating: number;
  let rest: string;
  const stars = STARS.exec(trimmed);
  if (stars) {
    rating = stars[0].match(/\u2B50|\u2605/gu)!.length;
    rest = trimmed.slice(stars[0].length);
  } else {
    const number = NUMBER.exec(trimmed);
    if (!number) return null;
    rating = Number(number[1]);
    rest = trimmed.slice(number[0].length);
  }
  // The comment is what follows the number: a separator before it is not part of it.
  if (rest !== '' && !/^[\s.,;:!\-–—)]/u.test(rest)) return null;
  const comment = rest.replace(/^[\s.,;:!\-–—)]+/u, '').trim();
  return comment ? { rating, comment } : { rating };
}

/**
 * Queued in the transaction that resolves the conversation: the chat it came from is asked for a
 * rating, once per resolution, unless it was rated already or the platform cannot take the
 * message now (a disabled channel, WhatsApp outside its 24-hour window).
 */
/** Queues the question; returns the channel it goes out on, or null when none is asked. */
export async function queueRatingRequest(
  tx: Executor,
  conversation: ConversationRow,
): Promise<string | null> {
  if (!CHANNEL_NAMES.has(conversation.channel) || conversation.csatRating !== null) return null;
  const found = await repo.findThreadOfConversation(tx, conversation.id);
  if (found?.channel.status !== 'active') return null;
  const { channel, thread } = found;
  if (channel.type === 'whatsapp' && whatsappWindowClosed(thread.lastInboundAt)) return null;
  await repo.insertOutbound(tx, channel, {
    conversationId: conversation.id,
    messageId: null,
    payload: replyPayload(channel.type, thread.externalId, { content: RATING_REQUEST, role: 'system' }),
  });
  await repo.markRatingAsked(tx, thread.id, new Date());
  return channel.id;
}

// "Someone is typing": an ephemeral signal, fanned out to every node's streams like the live
// changes (a NOTIFY), but never stored as a message. Clients send it every few seconds while
// typing and `typing: false` when they stop or send; a stream shows it until TYPING_SHOWN_SECONDS
// pass without another.
import type { Database } from '../../db/client.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { AppError } from '../../lib/errors.ts';
import { announce, type TypingNotice } from './conversation-live.ts';

/** Signals a minute per person (or visitor) and conversation: one every two seconds, with room. */
export const TYPING_SIGNALS_PER_MINUTE = 40;
/** How long clients show an indicator after its last signal. */
export const TYPING_SHOWN_SECONDS = 6;

export function createTypingSignals(deps: { db: Database; rateLimiter: RateLimiter }) {
  return {
    /** `sender` names who sends (a person, a key, a visitor's token): each has its own allowance. */
    async signal(sender: string, notice: TypingNotice): Promise<void> {
      const decision = await deps.rateLimiter.consume(
        `typing:${sender}:${notice.conversationId}`,
        TYPING_SIGNALS_PER_MINUTE,
      );
      if (!decision.allowed) {
        throw new AppError(
          'rate_limit_error',
          'rate_limit_exceeded',
          `Too many typing signals for this conversation. Retry after ${decision.retryAfterSeconds} s.`,
          { headers: { 'Retry-After': String(decision.retryAfterSeconds) } },
        );
      }
      await announce(deps.db.orm, notice);
    },
  };
}

export type TypingSignals = ReturnType<typeof createTypingSignals>;

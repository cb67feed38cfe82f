// What an attempt's outcome means: success, a retry after some delay, or a failure for good.
// Pure: the delivery engine records what these functions decide.

/** The default back-off between attempts, in seconds: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_DELAYS_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/** A Retry-After longer than this is not honoured beyond it: the schedule must end. */
const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'retry'; reason: string }
  | { kind: 'failed'; reason: string };

/** Status codes below 500 that still mean "try again later". */
const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

export function classifyStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'succeeded' };
  if (status >= 500 || RETRYABLE_4XX.has(status)) return { kind: 'retry', reason: `HTTP ${status}` };
  if (status >= 300 && status < 400) {
    return { kind: 'failed', reason: `HTTP ${status}: redirects are not followed; use the final URL.` };
  }
  return { kind: 'failed', reason: `HTTP ${status}: not retried (only 408, 409, 425, 429 and 5xx are).` };
}

/**
 * Retry-After in seconds, from either of its forms (delay-seconds or an HTTP date), or null
 * when absent or unreadable. A date in the past is a delay of 0.
 */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), MAX_RETRY_AFTER_SECONDS);
  // An HTTP date names its day and month ("Wed, 21 Oct 2026 07:28:00 GMT"); a bare number that
  // Date.parse would read as a year is not one.
  const date = /[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, Math.ceil((date - now.getTime()) / 1000)), MAX_RETRY_AFTER_SECONDS);
}

/**
 * When the next attempt is due after the `attemptsMade`-th attempt failed, or null when the
 * schedule is exhausted. The receiver's Retry-After postpones the attempt, never hastens it.
 */
export function nextAttemptAt(
  delays: readonly number[],
  attemptsMade: number,
  now: Date,
  retryAfterSeconds: number | null,
): Date | null {
  const scheduled = delays[attemptsMade - 1];
  if (scheduled === undefined) return null;
  const seconds = Math.max(scheduled, retryAfterSeconds ?? 0);
  return new Date(now.getTime() + seconds * 1000);
}

/** PARLEY_WEBHOOK_RETRY_DELAYS: comma-separated seconds, e.g. "5,300,1800". */
export function parseRetryDelays(raw: string): number[] {
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.length > 50 || parts.some((part) => !/^\d+$/.test(part))) {
    throw new Error(`expected up to 50 comma-separated whole numbers of seconds, got '${raw}'`);
  }
  return parts.map(Number);
}

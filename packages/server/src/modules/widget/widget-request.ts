// What every public widget request needs before its route runs: its rate limits (per address, per
// visitor) and the visitor's conversation token.
import type { FastifyRequest } from 'fastify';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { AppError } from '../../lib/errors.ts';

export interface PublicLimits {
  /** Requests a minute per IP address, over the whole public API. */
  perIp: number;
  /** Chat messages a minute per conversation (or per IP for new conversations). */
  perVisitor: number;
}

function rateLimited(what: string, retryAfterSeconds: number): AppError {
  return new AppError(
    'rate_limit_error',
    'rate_limit_exceeded',
    `Too many ${what}. Retry after ${retryAfterSeconds} s.`,
    { headers: { 'Retry-After': String(retryAfterSeconds) } },
  );
}

export async function limit(limiter: RateLimiter, subject: string, max: number, what: string): Promise<void> {
  const decision = await limiter.consume(subject, max);
  if (!decision.allowed) throw rateLimited(what, decision.retryAfterSeconds);
}

/** The visitor's conversation token: Authorization: Bearer …, or ?token= for EventSource. */
export function tokenOf(request: FastifyRequest, query?: { token?: string }): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1] ?? query?.token;
}

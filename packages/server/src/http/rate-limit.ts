// Per-key request limits by workspace plan. Counters live in memory when embedded and in
// Redis when REDIS_URL is set, so several nodes share one limit.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { AppError } from '../lib/errors.ts';
import { principalOf } from './auth.ts';

const WINDOW_SECONDS = 60;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix time (seconds) at which the window resets. */
  resetAt: number;
  retryAfterSeconds: number;
}

export interface RateLimiter {
  consume(subject: string, limit: number): Promise<RateDecision>;
}

export function createRateLimiter(options: { redis: Redis | null; prefix?: string }): RateLimiter {
  // One limiter per distinct limit: rate-limiter-flexible fixes `points` per instance.
  const limiters = new Map<number, RateLimiterAbstract>();
  const prefix = options.prefix ?? 'parley:rl';

  function limiterFor(points: number): RateLimiterAbstract {
    let limiter = limiters.get(points);
    if (!limiter) {
      const memory = new RateLimiterMemory({
        points,
        duration: WINDOW_SECONDS,
        keyPrefix: `${prefix}:${points}`,
      });
      limiter = options.redis
        ? new RateLimiterRedis({
            storeClient: options.redis,
            points,
            duration: WINDOW_SECONDS,
            keyPrefix: `${prefix}:${points}`,
            // If Redis is unreachable, limit per node rather than fail every request.
            insuranceLimiter: memory,
          })
        : memory;
      limiters.set(points, limiter);
    }
    return limiter;
  }

  return {
    async consume(subject, limit) {
      const decide = (res: RateLimiterRes, allowed: boolean): RateDecision => ({
        allowed,
        limit,
        remaining: Math.max(0, res.remainingPoints),
        resetAt: Math.ceil((Date.now() + res.msBeforeNext) / 1000),
        retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
      });
      try {
        return decide(await limiterFor(limit).consume(subject, 1), true);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return decide(rejection, false);
        throw rejection;
      }
    },
  };
}

/** Runs after authentication: adds the X-RateLimit-* headers and refuses over-limit keys. */
export function registerRateLimit(scope: FastifyInstance, limiter: RateLimiter): void {
  scope.addHook('onRequest', async (request, reply) => {
    const principal = principalOf(request);
    const limit = principal.limits.requests_per_minute;
    if (limit === null) return; // unlimited plan: nothing to count
    const decision = await limiter.consume(principal.keyId, limit);
    reply.header('X-RateLimit-Limit', decision.limit);
    reply.header('X-RateLimit-Remaining', decision.remaining);
    reply.header('X-RateLimit-Reset', decision.resetAt);
    if (!decision.allowed) {
      throw new AppError(
        'rate_limit_error',
        'rate_limit_exceeded',
        `Too many requests: this key may make ${limit} requests per minute on the '${principal.workspace.plan}' plan. Retry after ${decision.retryAfterSeconds} s.`,
        { headers: { 'Retry-After': String(decision.retryAfterSeconds) } },
      );
    }
  });
}

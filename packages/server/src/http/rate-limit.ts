// Per-key request limits by workspace plan: fixed windows of a minute. Counters live in memory
// when embedded and in Redis when REDIS_URL is set, so several nodes share one limit; while Redis
// is unreachable, each node counts on its own rather than fail or hold up any request.
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type RateLimiterAbstract, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../lib/errors.ts';
import type { Principal } from '../modules/workspaces/api-key-service.ts';

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
  /** Counts one request; answers at once (no promise) when the counters are in this process. */
  consume(subject: string, limit: number): RateDecision | Promise<RateDecision>;
}

function decide(limit: number, consumed: number, msBeforeNext: number, now: number): RateDecision {
  return {
    allowed: consumed <= limit,
    limit,
    remaining: Math.max(0, limit - consumed),
    resetAt: Math.ceil((now + msBeforeNext) / 1000),
    retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)),
  };
}

interface Window {
  consumed: number;
  expiresAt: number;
}

/**
 * In-memory fixed windows, counted as rate-limiter-flexible's memory limiter counts them (a
 * window opens at a subject's first request and lasts a minute; one counter per subject and
 * limit), but synchronously: its promise per request cost more than the counting.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private nextSweep = 0;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  consume(subject: string, limit: number): RateDecision {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    // A plan change gives the key another limit, and with it a fresh counter.
    const key = `${limit}:${subject}`;
    let window = this.windows.get(key);
    if (window && window.expiresAt > now) {
      window.consumed += 1;
    } else {
      window = { consumed: 1, expiresAt: now + WINDOW_SECONDS * 1000 };
      this.windows.set(key, window);
    }
    return decide(limit, window.consumed, window.expiresAt - now, now);
  }

  /** Forgets ended windows, at most once a window, so keys that went quiet cost no memory. */
  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.expiresAt <= now) this.windows.delete(key);
    this.nextSweep = now + WINDOW_SECONDS * 1000;
  }
}

/** How often a node that lost Redis checks whether it answers again. */
const REDIS_PROBE_MS = 1000;

/**
 * Shared counters in Redis when there is one. While Redis is unreachable each node counts on its
 * own (MemoryRateLimiter), at once: a failed command marks Redis down, and until a background
 * PING (or the client's reconnection) finds it back, requests do not wait for it at all. The
 * switch is logged once each way.
 */
export function createRateLimiter(options: {
  redis: Redis | null;
  prefix?: string;
  logger?: Pick<Logger, 'warn' | 'info'>;
  probeIntervalMs?: number;
}): RateLimiter {
  const { redis, logger } = options;
  if (!redis) return new MemoryRateLimiter();
  // One limiter per distinct limit: rate-limiter-flexible fixes `points` per instance.
  const limiters = new Map<number, RateLimiterAbstract>();
  const prefix = options.prefix ?? 'parley:rl';
  const local = new MemoryRateLimiter();
  let shared = true;
  let probe: NodeJS.Timeout | null = null;

  function limiterFor(points: number): RateLimiterAbstract {
    let limiter = limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: redis,
        points,
        duration: WINDOW_SECONDS,
        keyPrefix: `${prefix}:${points}`,
      });
      limiters.set(points, limiter);
    }
    return limiter;
  }

  function fallBack(reason: string): void {
    if (!shared) return;
    shared = false;
    logger?.warn({ err: reason }, 'Redis unreachable: rate limits are counted per node until it answers');
    probe = setInterval(() => {
      if (redis!.status !== 'ready') return; // the client is reconnecting by itself
      redis!.ping().then(resume, () => {});
    }, options.probeIntervalMs ?? REDIS_PROBE_MS);
    probe.unref();
  }

  function resume(): void {
    if (shared) return;
    shared = true;
    if (probe) clearInterval(probe);
    probe = null;
    logger?.info('Redis answers again: rate limits are shared between nodes again');
  }
  redis.on('ready', resume);

  return {
    consume(subject, limit) {
      if (shared && redis.status !== 'ready') fallBack(`connection ${redis.status}`);
      if (!shared) return local.consume(subject, limit);
      return limiterFor(limit)
        .consume(subject, 1)
        .then(
          (res) => decide(limit, res.consumedPoints, res.msBeforeNext, Date.now()),
          (rejection) => {
            if (rejection instanceof RateLimiterRes) {
              return decide(limit, rejection.consumedPoints, rejection.msBeforeNext, Date.now());
            }
            fallBack(rejection instanceof Error ? rejection.message : String(rejection));
            return local.consume(subject, limit);
          },
        );
    },
  };
}

/**
 * Counts the request against its key's plan limit, adds the X-RateLimit-* headers, and throws
 * the 429 over the limit. Returns a promise only when the counter is elsewhere (Redis).
 */
export function limitRequest(
  limiter: RateLimiter,
  principal: Principal,
  reply: FastifyReply,
): void | Promise<void> {
  const limit = principal.limits.requests_per_minute;
  if (limit === null) return; // unlimited plan: nothing to count
  const decision = limiter.consume(principal.keyId, limit);
  if (decision instanceof Promise) return decision.then((settled) => answer(principal, reply, settled));
  answer(principal, reply, decision);
}

function answer(principal: Principal, reply: FastifyReply, decision: RateDecision): void {
  reply.header('X-RateLimit-Limit', decision.limit);
  reply.header('X-RateLimit-Remaining', decision.remaining);
  reply.header('X-RateLimit-Reset', decision.resetAt);
  if (!decision.allowed) {
    throw new AppError(
      'rate_limit_error',
      'rate_limit_exceeded',
      `Too many requests: this key may make ${decision.limit} requests per minute on the '${principal.workspace.plan}' plan. Retry after ${decision.retryAfterSeconds} s.`,
      { headers: { 'Retry-After': String(decision.retryAfterSeconds) } },
    );
  }
}

import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from './rate-limit.ts';

describe('MemoryRateLimiter', () => {
  it('counts a fixed window of a minute from the first request, per subject and limit', () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    const first = limiter.consume('key_a', 2);
    expect(first).toEqual({ allowed: true, limit: 2, remaining: 1, resetAt: 1060, retryAfterSeconds: 60 });
    now += 10_500;
    expect(limiter.consume('key_a', 2)).toEqual({
      allowed: true,
      limit: 2,
      remaining: 0,
      resetAt: 1060,
      retryAfterSeconds: 50,
    });
    expect(limiter.consume('key_a', 2)).toMatchObject({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 50,
    });
    // Another key, or the same key under another limit (a plan change), counts on its own.
    expect(limiter.consume('key_b', 2)).toMatchObject({ allowed: true, remaining: 1 });
    expect(limiter.consume('key_a', 5)).toMatchObject({ allowed: true, remaining: 4 });
    // The window ends a minute after it opened.
    now = 1_060_000;
    expect(limiter.consume('key_a', 2)).toMatchObject({ allowed: true, remaining: 1, resetAt: 1120 });
  });

  // It replaced rate-limiter-flexible's memory limiter, which counted the same way asynchronously.
  it('decides as rate-limiter-flexible does', async () => {
    const ours = new MemoryRateLimiter();
    const theirs = new RateLimiterMemory({ points: 3, duration: 60 });
    for (let i = 0; i < 5; i++) {
      const res = await theirs.consume('k', 1).catch((rejection: RateLimiterRes) => rejection);
      const decision = ours.consume('k', 3);
      expect(decision.allowed).toBe(res.consumedPoints <= 3);
      expect(decision.remaining).toBe(res.remainingPoints);
      expect(
        Math.abs(decision.resetAt - Math.ceil((Date.now() + res.msBeforeNext) / 1000)),
      ).toBeLessThanOrEqual(1);
    }
  });
});

// The Redis client of a node (REDIS_URL): shared rate-limit counters. Redis is an optimisation of
// the limits, not a dependency of a request: while it is unreachable a command fails at once (no
// offline queue) or within a short timeout (a connection that went silent), the callers fall back
// to per-node counting, and the client reconnects in the background.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** The longest a Redis command may keep a request waiting before it counts as failed. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    // Commands sent while disconnected fail at once instead of waiting for a reconnection.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    // Reconnects for ever, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // One warning per outage: a reconnecting client reports the same error at every attempt.
  let warned = false;
  redis.on('error', (error) => {
    if (warned) return logger.debug({ err: error.message }, 'redis error');
    warned = true;
    logger.warn({ err: error.message }, 'redis error');
  });
  redis.on('ready', () => {
    warned = false;
  });
  await redis.connect();
  return redis;
}

/** Whether Redis answers now: a PING within the command timeout. */
export async function redisAnswers(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}

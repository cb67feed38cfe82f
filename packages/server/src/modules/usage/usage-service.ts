// Monthly message quota. A chat reply in the live environment counts one message against the
// workspace's plan for the calendar month (UTC); test-mode chats never count.
import type { Database, Executor } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import * as repo from './usage-repository.ts';

export interface Period {
  key: string;
  start: Date;
  end: Date;
}

export function periodOf(now: Date): Period {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { key: start.toISOString().slice(0, 10), start, end };
}

/** What a reservation needs to be given back. */
export interface Reservation {
  workspaceId: string;
  period: string;
}

export function createUsageService(deps: { db: Database; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

  function limitReached(limit: number | null, period: Period): AppError {
    const retryAfter = Math.max(1, Math.ceil((period.end.getTime() - now().getTime()) / 1000));
    return new AppError(
      'quota_exceeded_error',
      'monthly_message_limit_reached',
      `Monthly message limit reached: this workspace's plan allows ${limit} messages a month. It resets on ${period.end.toISOString()}.`,
      { headers: { 'Retry-After': String(retryAfter) } },
    );
  }

  return {
    /**
     * Throws the quota 429 when the month's messages are used up, counting nothing: lets a chat
     * turn stop before it spends work (retrieval, a provider call) on a message it cannot send.
     */
    async checkAvailable(
      scope: { workspaceId: string; environment: 'live' | 'test' },
      limit: number | null,
    ): Promise<void> {
      if (scope.environment === 'test' || limit === null) return;
      const period = periodOf(now());
      if ((await repo.countOf(deps.db.orm, scope.workspaceId, period.key)) >= limit) {
        throw limitReached(limit, period);
      }
    },

    /**
     * Counts one message; throws the quota 429 when the month's messages are used up. Given the
     * transaction that stores the message, the count and the message commit together: a crash
     * in between leaves neither. Returns null in test mode, where nothing counts.
     */
    async reserveMessage(
      scope: { workspaceId: string; environment: 'live' | 'test' },
      limit: number | null,
      executor: Executor = deps.db.orm,
    ): Promise<Reservation | null> {
      if (scope.environment === 'test') return null;
      const period = periodOf(now());
      if (await repo.tryCount(executor, scope.workspaceId, period.key, limit)) {
        return { workspaceId: scope.workspaceId, period: period.key };
      }
      throw limitReached(limit, period);
    },

    async release(reservation: Reservation | null): Promise<void> {
      if (reservation) await repo.uncount(deps.db.orm, reservation.workspaceId, reservation.period);
    },

    async current(workspaceId: string, limit: number | null) {
      const period = periodOf(now());
      const used = await repo.countOf(deps.db.orm, workspaceId, period.key);
      return {
        period_start: period.start.toISOString(),
        period_end: period.end.toISOString(),
        messages: {
          used,
          limit,
          remaining: limit === null ? null : Math.max(0, limit - used),
        },
      };
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;

// One poller per Telegram polling channel across all workers: Telegram answers 409 Conflict to a
// getUpdates that another one overlaps, so two workers polling one bot would cut each other off
// every second. A worker polls only the channels whose lock it holds: on PostgreSQL a session
// advisory lock per channel on a connection of the worker's own, kept from poll to poll and freed
// when the worker stops or dies (its connection closes), so that another worker takes over at its
// next poll. On the embedded database one process holds the data directory, so the locks are
// kept in memory (still one poller when several workers share one handle, as tests do).
import type pg from 'pg';
import type { Database } from '../../db/client.ts';

/** The advisory lock space of Telegram polling (see db/advisory-lock.ts for the others). */
const POLL_LOCK_SPACE = 727004;

export interface PollLocks {
  /** Of these channels, the ones this worker polls: those whose lock it holds or just took. */
  claim(channelIds: string[]): Promise<Set<string>>;
  /** Frees every lock this worker holds. */
  release(): Promise<void>;
}

/** The embedded database's holders, per database handle: channel id → the worker holding it. */
const inMemoryHolders = new WeakMap<Database, Map<string, symbol>>();

export function createPollLocks(db: Database): PollLocks {
  if (db.kind === 'pglite' || !db.pool) return memoryLocks(db);
  return advisoryLocks(db.pool);
}

function memoryLocks(db: Database): PollLocks {
  const me = Symbol('poller');
  const all = inMemoryHolders.get(db) ?? new Map<string, symbol>();
  inMemoryHolders.set(db, all);
  return {
    async claim(channelIds) {
      const wanted = new Set(channelIds);
      for (const [id, holder] of all) if (holder === me && !wanted.has(id)) all.delete(id);
      const mine = new Set<string>();
      for (const id of channelIds) {
        if (!all.has(id)) all.set(id, me);
        if (all.get(id) === me) mine.add(id);
      }
      return mine;
    },
    async release() {
      for (const [id, holder] of all) if (holder === me) all.delete(id);
    },
  };
}

function advisoryLocks(pool: pg.Pool): PollLocks {
  let client: pg.PoolClient | null = null;
  const held = new Set<string>();

  /** The lock connection is gone (or going): its locks went with it. */
  function drop(error?: Error): void {
    const lost = client;
    client = null;
    held.clear();
    // Destroyed rather than returned to the pool: closing the session frees its locks.
    lost?.release(error ?? true);
  }

  return {
    async claim(channelIds) {
      if (channelIds.length === 0 && held.size === 0) {
        drop(); // no channel to poll: no connection kept from the pool
        return new Set();
      }
      try {
        if (!client) {
          client = await pool.connect();
          client.on('error', () => drop());
        }
        const connection = client;
        const wanted = new Set(channelIds);
        for (const id of held) {
          if (wanted.has(id)) continue;
          await connection.query('SELECT pg_advisory_unlock($1, hashtext($2))', [POLL_LOCK_SPACE, id]);
          held.delete(id);
        }
        // Run at every poll, even with nothing to take: it also finds a dead connection.
        const taken = await connection.query<{ id: string }>(
          'SELECT id FROM unnest($2::text[]) AS id WHERE pg_try_advisory_lock($1, hashtext(id))',
          [POLL_LOCK_SPACE, channelIds.filter((id) => !held.has(id))],
        );
        for (const row of taken.rows) held.add(row.id);
        return new Set(channelIds.filter((id) => held.has(id)));
      } catch (error) {
        drop(error as Error);
        return new Set();
      }
    },
    async release() {
      drop();
    },
  };
}

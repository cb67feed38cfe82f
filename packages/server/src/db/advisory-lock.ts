// Serialises work that several nodes may start at once on one PostgreSQL server (start-up chores
// that check, then change). A session lock on a connection of its own, so the work itself may
// use the pool. On the embedded database one process holds the data directory, so no lock is needed.
import type { Database } from './client.ts';

/** Lock ids in use: 727001 migrations, 727002 the default workspace (a transaction lock), 727003 the demo, 727004 the job queue's set-up. */
export async function withAdvisoryLock<T>(db: Database, lockId: number, work: () => Promise<T>): Promise<T> {
  if (db.kind === 'pglite' || !db.pool) return work();
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockId]);
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [lockId]);
    }
  } finally {
    client.release();
  }
}

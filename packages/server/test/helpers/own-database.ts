// A PostgreSQL database of one test file's own, on the server DATABASE_URL names (null on PGlite,
// where every app has its own database anyway). Apps that share a database sweep each other's
// rows: a worker's periodic look for work left behind (queued agent-loop executions, channel
// deliveries) would run another app's work with its own settings.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export async function ownDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const shared = process.env.DATABASE_URL;
  if (!shared) return null;
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: shared });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: shared });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

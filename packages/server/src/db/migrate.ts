// Applies the committed migrations at start, on PGlite and on PostgreSQL alike.
// The main set always applies; the pgvector set only where `CREATE EXTENSION vector` works.
import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type pg from 'pg';
import type { Database } from './client.ts';

const MAIN_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
const VECTOR_FOLDER = fileURLToPath(new URL('./migrations-vector', import.meta.url));
const MAIN_TABLE = '__drizzle_migrations';
const VECTOR_TABLE = '__vector_migrations';
/** Serialises migrations when several nodes start at once on one PostgreSQL server. */
const MIGRATION_LOCK_ID = 727_001;

export interface MigrationResult {
  vector: boolean;
  vectorError: string | null;
}

export async function runMigrations(db: Database): Promise<MigrationResult> {
  if (db.kind === 'pglite') return migrateEmbedded(db);
  const client = await db.pool!.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      return await migrateServer(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

async function migrateEmbedded(db: Database): Promise<MigrationResult> {
  const orm = db.orm as unknown as PgliteDatabase<Record<string, never>>;
  await migratePglite(orm, { migrationsFolder: MAIN_FOLDER, migrationsTable: MAIN_TABLE });
  const probe = await probeVector((text) => db.exec(text));
  if (probe.vector) {
    await migratePglite(orm, { migrationsFolder: VECTOR_FOLDER, migrationsTable: VECTOR_TABLE });
  }
  return probe;
}

async function migrateServer(client: pg.PoolClient): Promise<MigrationResult> {
  const orm = drizzlePg({ client });
  await migratePg(orm, { migrationsFolder: MAIN_FOLDER, migrationsTable: MAIN_TABLE });
  const probe = await probeVector(async (text) => {
    await client.query(text);
  });
  if (probe.vector) await migratePg(orm, { migrationsFolder: VECTOR_FOLDER, migrationsTable: VECTOR_TABLE });
  return probe;
}

async function probeVector(run: (text: string) => Promise<void>): Promise<MigrationResult> {
  try {
    await run('CREATE EXTENSION IF NOT EXISTS vector');
    return { vector: true, vectorError: null };
  } catch (error) {
    return { vector: false, vectorError: (error as Error).message };
  }
}

/** True when every committed migration of the main set is recorded as applied. */
export async function migrationsApplied(db: Database): Promise<boolean> {
  const expected = readMigrationFiles({ migrationsFolder: MAIN_FOLDER }).length;
  const rows = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM drizzle.${MAIN_TABLE}`);
  return (rows[0]?.count ?? 0) >= expected;
}

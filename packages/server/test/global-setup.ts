// Runs once before the test files: on PGlite, a database migrated once and written as a tar,
// which every test app's in-memory database then starts from (startTestApp). Each test still
// runs the migrations (none is left to apply), and skips PostgreSQL's initdb, which is most of
// an embedded database's start. The same database is also written out as an embedded data
// directory's pgdata, which end-to-end tests copy for servers whose first start is not what they
// test. With DATABASE_URL the tests use the server: nothing to make.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { RemotePglite } from '../src/db/pglite-remote.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated PGlite database's tar, or null on PostgreSQL. */
    pgliteTemplate: string | null;
    /** The same database as a data directory's `pgdata` folder on disk, or null on PostgreSQL. */
    pgdataTemplate: string | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  if (process.env.DATABASE_URL) {
    project.provide('pgliteTemplate', null);
    project.provide('pgdataTemplate', null);
    return undefined;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-template-'));
  const file = path.join(dir, 'migrated.tar');
  const db = await openDatabase({
    databaseUrl: null,
    pgliteDir: 'memory://',
    logger: pino({ level: 'silent' }),
  });
  try {
    await runMigrations(db);
    writeFileSync(file, await db.pglite!.dump());
  } finally {
    await db.close();
  }
  const pgdata = path.join(dir, 'pgdata');
  await (await RemotePglite.open(pgdata, { loadDataDir: file })).close();
  project.provide('pgliteTemplate', file);
  project.provide('pgdataTemplate', pgdata);
  return () => rmSync(dir, { recursive: true, force: true });
}

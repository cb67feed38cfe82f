// Nodes started together on a new PostgreSQL database all come up: the migrations and the job
// queue's own schema are created under an advisory lock, one node at a time. (The embedded
// database belongs to one process, so there is nothing to race there.)
import { afterAll, describe, expect, it } from 'vitest';
import { ownDatabase } from '../helpers/own-database.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const database = await ownDatabase();
const apps: TestApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await database?.drop();
});

describe.skipIf(!database)('nodes started at once on a new database', () => {
  it('all start, with one job queue between them', async () => {
    const env = { DATABASE_URL: database!.url, PARLEY_JOB_SCHEMA: 'pgboss_shared' };
    const started = await Promise.allSettled(
      [0, 1, 2, 3].map(() => startTestApp(env, { workers: true }).then((app) => apps.push(app))),
    );
    expect(started.filter((result) => result.status === 'rejected')).toEqual([]);
    for (const app of apps) {
      expect((await app.request({ url: '/readyz' })).statusCode).toBe(200);
    }
  });
});

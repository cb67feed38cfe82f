// When the embedded database's thread dies under a running server, readiness says so: a load
// balancer stops sending traffic, and the server (see runtime/serve.ts) exits to be restarted.
// Always on the embedded database: a PostgreSQL server has no such thread.
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ DATABASE_URL: '' });
});
afterAll(async () => {
  await t.close().catch(() => {});
});

describe('readiness when the embedded database dies', () => {
  it('answers 503 naming the embedded database, and tells the server it is lost', async () => {
    expect((await t.request({ url: '/readyz' })).statusCode).toBe(200);
    const lost = new Promise<Error>((resolve) => t.context.db.onLost(resolve));
    // What a crash of PostgreSQL's WebAssembly engine does to the thread.
    await (t.context.db.pglite as unknown as { worker: Worker }).worker.terminate();
    expect((await lost).message).toMatch(/embedded database thread exited/);
    const ready = await t.request({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error).toMatchObject({
      type: 'api_error',
      code: 'database_lost',
      message: expect.stringContaining('The embedded database stopped'),
    });
    expect((await t.request({ url: '/healthz' })).statusCode).toBe(200);
  });
});

// Redis lost and found again: two nodes reach Redis through a TCP proxy that the test stops. While
// it is down every request is answered, limited per node; once it is back, the nodes share one
// limit again. Needs Redis (REDIS_URL), as CI's PostgreSQL pass has.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const PROXY_PORT = 4771;

/** A TCP proxy to Redis that can be stopped (its connections cut, new ones refused) and restarted. */
function redisProxy(target: URL) {
  let server: net.Server | null = null;
  const sockets = new Set<net.Socket>();
  return {
    async start() {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => {});
          socket.on('close', () => {
            sockets.delete(socket);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(PROXY_PORT, '127.0.0.1', resolve));
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
      for (const socket of sockets) socket.destroy();
      await closed;
      server = null;
    },
  };
}

describe.skipIf(!process.env.REDIS_URL)('rate limits while Redis is unreachable', () => {
  const proxy = redisProxy(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'));
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    await proxy.start();
    a = await startTestApp({
      REDIS_URL: `redis://127.0.0.1:${PROXY_PORT}`,
      PARLEY_PLANS: JSON.stringify({ tiny: { requests_per_minute: 3 } }),
    });
    b = await a.startPeer();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await proxy.stop();
  });

  /** Four requests alternating between the nodes, with a new key: their status codes. */
  async function alternate(): Promise<number[]> {
    const ws = await buildWorkspace(a.context, { plan: 'tiny' });
    const statuses = [];
    for (const node of [a, b, a, b])
      statuses.push((await node.request({ url: '/v1/workspace', key: ws.liveKey })).statusCode);
    return statuses;
  }

  async function readiness() {
    const response = await a.request({ url: '/readyz' });
    return { code: response.statusCode, body: response.json() };
  }

  it('limits per node while Redis is down, stays ready, and shares the limit again once it is back', async () => {
    expect(await alternate()).toEqual([200, 200, 200, 429]);
    expect(await readiness()).toEqual({
      code: 200,
      body: { status: 'ready', database: a.context.db.kind, redis: 'ok' },
    });

    await proxy.stop();
    // Each node counts on its own: 3 a node, then 429 on that node.
    const ws = await buildWorkspace(a.context, { plan: 'tiny' });
    const statuses = [];
    for (const node of [a, b, a, b, a, b, a, b])
      statuses.push((await node.request({ url: '/v1/workspace', key: ws.liveKey })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    const limited = await a.request({ url: '/v1/workspace', key: ws.testKey });
    expect(limited.statusCode).toBe(200);
    expect(limited.headers['x-ratelimit-limit']).toBe('3');
    expect(limited.headers['x-ratelimit-remaining']).toBe('2');
    // Still ready: every node would lose Redis together, and each still serves; the body says so.
    expect(await readiness()).toEqual({
      code: 200,
      body: { status: 'ready', database: a.context.db.kind, redis: 'degraded' },
    });

    await proxy.start();
    await expect
      .poll(async () => (await readiness()).body.redis, { timeout: 20_000, interval: 200 })
      .toBe('ok');
    // Both nodes' clients reconnect by themselves and count in Redis again.
    await expect.poll(() => alternate(), { timeout: 20_000, interval: 500 }).toEqual([200, 200, 200, 429]);
  }, 60_000);
});

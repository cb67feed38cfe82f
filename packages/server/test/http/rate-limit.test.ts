import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    PARLEY_PLANS: JSON.stringify({
      free: { requests_per_minute: 5 },
      tiny: { requests_per_minute: 3 },
      open: { requests_per_minute: null },
    }),
  });
});
afterAll(async () => {
  await t.close();
});

describe('rate limits', () => {
  it('counts requests per key by plan and refuses the one over the limit with Retry-After', async () => {
    const ws = await buildWorkspace(t.context, { plan: 'free' });
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await t.request({ url: '/v1/workspace', key: ws.liveKey });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBe('5');
      remaining.push(String(response.headers['x-ratelimit-remaining']));
      const reset = Number(response.headers['x-ratelimit-reset']);
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const refused = await t.request({ url: '/v1/workspace', key: ws.liveKey });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      status: 429,
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');

    // Another key has its own counter; a refused POST creates nothing.
    expect((await t.request({ url: '/v1/workspace', key: ws.testKey })).statusCode).toBe(200);
    const post = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body: { name: 'x' },
    });
    expect(post.statusCode).toBe(429);
    const names = (await t.request({ url: '/v1/api-keys', key: ws.testKey }))
      .json()
      .data.map((k: { name: string }) => k.name);
    expect(names).toEqual(['test key']);
  });

  it('applies custom plans from PARLEY_PLANS, and none for an unlimited plan', async () => {
    const tiny = await buildWorkspace(t.context, { plan: 'tiny' });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await t.request({ url: '/v1/workspace', key: tiny.liveKey })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const open = await buildWorkspace(t.context, { plan: 'open' });
    for (let i = 0; i < 10; i++) {
      const response = await t.request({ url: '/v1/workspace', key: open.liveKey });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  // With REDIS_URL the nodes share one counter; without it each node counts on its own (embedded).
  it('shares one limit between nodes through Redis, and counts per node without it', async () => {
    const peer = await t.startPeer();
    try {
      const ws = await buildWorkspace(t.context, { plan: 'tiny' });
      const nodes = [t, peer, t, peer];
      const statuses = [];
      for (const node of nodes)
        statuses.push((await node.request({ url: '/v1/workspace', key: ws.liveKey })).statusCode);
      expect(statuses).toEqual(process.env.REDIS_URL ? [200, 200, 200, 429] : [200, 200, 200, 200]);
    } finally {
      await peer.close();
    }
  });
});

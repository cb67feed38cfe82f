import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeFetch } from '../../../src/lib/safe-fetch.ts';
import { fetchDocument } from '../../../src/modules/sources/crawling/crawl-fetch.ts';
import {
  type Clock,
  crawlDelayToMs,
  createHostLimiter,
} from '../../../src/modules/sources/crawling/crawl-politeness.ts';
import { startTestSite, type TestSite } from '../../fakes/crawl-test-site.ts';

const fetch = createSafeFetch({ allowPrivateNetwork: true });

/** Time moves only when someone sleeps; sleeps resolve on the next microtask. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('host limiter against a live site', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(() => site.close());

  const burst = (run: (url: string, fn: () => Promise<unknown>) => Promise<unknown>) =>
    Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const url = site.url(`/delay?ms=40&i=${i}`);
        return run(url, () => fetchDocument(url, { fetch }));
      }),
    );

  it('with perHostConcurrency 1 the site never sees two requests at once', async () => {
    site.resetConcurrency();
    const limiter = createHostLimiter({ perHostConcurrency: 1 });
    const results = await burst((url, fn) => limiter.run(url, fn));
    expect(results.every((result) => (result as { status: string }).status === 'ok')).toBe(true);
    expect(site.maxConcurrent()).toBe(1);
  });

  it('the measurement does see overlap when the limit allows it', async () => {
    site.resetConcurrency();
    const limiter = createHostLimiter({ perHostConcurrency: 3 });
    await burst((url, fn) => limiter.run(url, fn));
    expect(site.maxConcurrent()).toBe(3);
  });

  it('spaces request starts by minDelayMs on the real clock', async () => {
    const limiter = createHostLimiter({ perHostConcurrency: 2, minDelayMs: 100 });
    const started = Date.now();
    await Promise.all([1, 2, 3].map((i) => limiter.run(site.url(`/about?i=${i}`), () => Promise.resolve())));
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('host limiter', () => {
  it('keeps each host to its own slots; other hosts go on in parallel', async () => {
    const limiter = createHostLimiter({ perHostConcurrency: 1 });
    const inFlight = new Map<string, number>();
    let maxPerHost = 0;
    let maxOverall = 0;
    const task = (host: string) => async () => {
      inFlight.set(host, (inFlight.get(host) ?? 0) + 1);
      maxPerHost = Math.max(maxPerHost, inFlight.get(host) ?? 0);
      maxOverall = Math.max(
        maxOverall,
        [...inFlight.values()].reduce((a, b) => a + b, 0),
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight.set(host, (inFlight.get(host) ?? 1) - 1);
    };
    await Promise.all(
      ['a.example', 'b.example', 'a.example', 'b.example', 'c.example:8080', 'c.example'].map((host) =>
        limiter.run(`https://${host}/page`, task(host)),
      ),
    );
    expect(maxPerHost).toBe(1);
    expect(maxOverall).toBe(4);
  });

  it('spaces starts to one host by minDelayMs, per host, capped by maxDelayMs', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    const limiter = createHostLimiter({
      perHostConcurrency: 2,
      minDelayMs: (host) => (host === 'slow.example' ? 5_000 : 1_000),
      maxDelayMs: 2_000,
      clock,
    });
    const starts: Array<[string, number]> = [];
    const at = (url: string) =>
      limiter.run(url, async () => void starts.push([new URL(url).host, clock.now() - t0]));
    await Promise.all([at('https://a.example/1'), at('https://a.example/2'), at('https://a.example/3')]);
    await Promise.all([at('https://slow.example/1'), at('https://slow.example/2')]);
    expect(starts).toEqual([
      ['a.example', 0],
      ['a.example', 1_000],
      ['a.example', 2_000],
      // Time has moved on to 2000 by now; slow.example's 5 s is capped at 2 s.
      ['slow.example', 2_000],
      ['slow.example', 4_000],
    ]);
  });

  it('does not delay requests that are already far enough apart', async () => {
    const clock = fakeClock();
    const limiter = createHostLimiter({ minDelayMs: 500, clock });
    await limiter.run('https://a.example/1', async () => {});
    await clock.sleep(600);
    clock.sleeps.length = 0;
    await limiter.run('https://a.example/2', async () => {});
    expect(clock.sleeps).toEqual([]);
  });

  it('pause holds a host back', async () => {
    const clock = fakeClock();
    const limiter = createHostLimiter({ clock });
    limiter.pause('https://a.example/', 3_000);
    await limiter.run('https://a.example/x', async () => {});
    await limiter.run('https://b.example/x', async () => {});
    expect(clock.sleeps).toEqual([3_000]);
  });

  it('frees the slot when the task fails', async () => {
    const limiter = createHostLimiter({ perHostConcurrency: 1 });
    await expect(
      limiter.run('https://a.example/', () => Promise.reject(new Error('page failed'))),
    ).rejects.toThrow('page failed');
    await expect(limiter.run('https://a.example/', async () => 'next')).resolves.toBe('next');
  });

  it('turns Crawl-delay seconds into milliseconds', () => {
    expect(crawlDelayToMs(null)).toBe(0);
    expect(crawlDelayToMs(0.5)).toBe(500);
    expect(crawlDelayToMs(-1)).toBe(0);
  });
});

// Per-host politeness for the crawler: at most `perHostConcurrency` requests in flight to one
// host, and consecutive request starts to one host at least `minDelayMs` apart (robots.txt
// Crawl-delay, read as "one request per N seconds"). A host is URL.host, so ports differ.
// The state lives in this process only: it keeps one worker polite. Workers crawling the
// same site in parallel each get their own budget, so the orchestrator should keep one
// source's crawl in one worker (or divide the limits between them).

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A robots.txt asking for an hour between requests must not stall a crawl for days. */
export const DEFAULT_MAX_DELAY_MS = 30_000;

export interface HostLimiterOptions {
  /** Default 2. */
  perHostConcurrency?: number;
  /** Gap between request starts to one host; a function gives each host its own (robots). */
  minDelayMs?: number | ((host: string) => number);
  /** Ceiling on minDelayMs and pause(), default 30 s. */
  maxDelayMs?: number;
  clock?: Clock;
}

export interface HostLimiter {
  /** Runs `fn` when `url`'s host has a free slot and its delay has passed. */
  run<T>(url: string, fn: () => Promise<T>): Promise<T>;
  /** Holds back new requests to `url`'s host for `ms` (after a 429 or 503). */
  pause(url: string, ms: number): void;
}

interface HostState {
  active: number;
  /** Callers waiting for a slot; release hands its slot straight to the first. */
  waiting: Array<() => void>;
  /** Earliest time the next request to this host may start. */
  nextStartAt: number;
}

/** Crawl-delay seconds from robots.txt as a minDelayMs value (null → 0). */
export function crawlDelayToMs(seconds: number | null): number {
  return seconds === null || !Number.isFinite(seconds) || seconds <= 0 ? 0 : Math.round(seconds * 1000);
}

export function createHostLimiter(options: HostLimiterOptions = {}): HostLimiter {
  const concurrency = Math.max(1, Math.floor(options.perHostConcurrency ?? 2));
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const clock = options.clock ?? systemClock;
  const hosts = new Map<string, HostState>();

  const stateOf = (host: string): HostState => {
    let state = hosts.get(host);
    if (!state) {
      state = { active: 0, waiting: [], nextStartAt: 0 };
      hosts.set(host, state);
    }
    return state;
  };
  const delayFor = (host: string): number => {
    const configured =
      typeof options.minDelayMs === 'function' ? options.minDelayMs(host) : options.minDelayMs;
    return Math.min(Math.max(configured ?? 0, 0), maxDelayMs);
  };

  const acquire = (state: HostState): Promise<void> => {
    if (state.active < concurrency) {
      state.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => state.waiting.push(resolve));
  };
  const release = (host: string, state: HostState): void => {
    const next = state.waiting.shift();
    if (next) {
      next();
      return;
    }
    state.active -= 1;
    // Forget idle hosts once their delay has passed, so a long crawl does not accumulate them.
    if (state.active === 0 && state.nextStartAt <= clock.now()) hosts.delete(host);
  };

  return {
    async run<T>(url: string, fn: () => Promise<T>): Promise<T> {
      const host = hostOf(url);
      const state = stateOf(host);
      await acquire(state);
      try {
        // Reserve the start time before sleeping, so the next caller queues behind it.
        const now = clock.now();
        const startAt = Math.max(now, state.nextStartAt);
        state.nextStartAt = startAt + delayFor(host);
        if (startAt > now) await clock.sleep(startAt - now);
        return await fn();
      } finally {
        release(host, state);
      }
    },
    pause(url: string, ms: number): void {
      const state = stateOf(hostOf(url));
      state.nextStartAt = Math.max(state.nextStartAt, clock.now() + Math.min(Math.max(ms, 0), maxDelayMs));
    },
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

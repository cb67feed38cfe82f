// robots.txt for one origin (scheme + host + port), following RFC 9309:
// - 2xx: the rules apply, for the most specific user-agent group matching our product token
//   ("parleybot"), else the "*" group. Only the first 500 KiB are parsed (§2.5).
// - 4xx other than 429, too many redirects, a redirect off http(s): "unavailable", so the
//   crawler may fetch everything (§2.3.1.3).
// - 5xx, 429, timeouts, network errors, a blocked address: "unreachable", so the crawler
//   must assume complete disallow (§2.3.1.4; Google does the same). We chose the RFC over
//   "allow" because a server that is failing or rate-limiting us is exactly the one not to
//   hammer with a whole crawl. The caller sees `status: 'unreachable'` and the message, so it
//   can report "robots.txt unreachable" instead of a silent empty crawl, and a later re-sync
//   tries again.
// loadRobots never throws (only when the caller's own signal aborts), so its promise can be
// cached per origin.
import robotsParserModule from 'robots-parser';
import type { SafeFetch } from '../../../lib/safe-fetch.ts';
import { DEFAULT_USER_AGENT, fetchDocument, isTransientFailure } from './crawl-fetch.ts';
import { normalizeUrl } from './crawl-url.ts';

export const ROBOTS_MAX_BYTES = 500 * 1024;
const ROBOTS_TIMEOUT_MS = 15_000;

interface ParsedRobots {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
  getSitemaps(): string[];
}
// The package is CommonJS whose .d.ts declares an ES default export; at runtime the default
// import is the function itself, which TypeScript under NodeNext cannot see.
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => ParsedRobots;

export interface Robots {
  /** The origin these rules govern, e.g. "https://example.com". */
  origin: string;
  /** ok: rules from the file; missing: 4xx, allow all; unreachable: 5xx/network, disallow all. */
  status: 'ok' | 'missing' | 'unreachable';
  /** The HTTP status of the robots.txt answer, null when there was none. */
  httpStatus: number | null;
  /** Why the file was missing or unreachable, for the source's status page. */
  message: string | null;
  /** Unreachable for a reason that may pass (5xx, 429, timeout, no connection): try again later. */
  transient: boolean;
  /** False for any URL of another origin: each origin has its own robots.txt. */
  isAllowed(url: string): boolean;
  /** Absolute sitemap URLs from "Sitemap:" lines, normalized and deduplicated. */
  sitemaps: string[];
  /** Crawl-delay for our group, null when absent or invalid; callers should cap it. */
  crawlDelaySeconds: number | null;
}

export interface LoadRobotsOptions {
  fetch: SafeFetch;
  userAgent?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Fetches and parses `${origin}/robots.txt`; `origin` may be any URL on that origin. */
export async function loadRobots(origin: string, options: LoadRobotsOptions): Promise<Robots> {
  let base: string;
  try {
    base = new URL(origin).origin;
  } catch {
    return unreachableRobots(origin, null, `${origin} is not a valid URL.`);
  }
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const fetched = await fetchDocument(`${base}/robots.txt`, {
    fetch: options.fetch,
    userAgent,
    accept: 'text/plain,*/*;q=0.5',
    timeoutMs: options.timeoutMs ?? ROBOTS_TIMEOUT_MS,
    maxBytes: ROBOTS_MAX_BYTES,
    truncateAtMaxBytes: true,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (fetched.status === 'ok') return parseRobots(base, fetched.body.toString('utf8'), userAgent);
  if (fetched.status === 'not_modified') {
    // We sent no validators, so a 304 is the server's confusion: treat it like a missing file.
    return allowAllRobots(base, 304, 'robots.txt answered 304 to an unconditional request.');
  }
  const httpStatus = fetched.httpStatus ?? null;
  const missing =
    (fetched.code === 'http_error' &&
      httpStatus !== null &&
      httpStatus >= 400 &&
      httpStatus < 500 &&
      httpStatus !== 429) ||
    fetched.code === 'too_many_redirects' ||
    fetched.code === 'unsupported_scheme';
  return missing
    ? allowAllRobots(base, httpStatus, fetched.message)
    : unreachableRobots(
        base,
        httpStatus,
        `robots.txt is unreachable, so nothing is crawled: ${fetched.message}`,
        isTransientFailure(fetched),
      );
}

/** Rules from a robots.txt body, for `origin`, as seen by `userAgent`. */
export function parseRobots(origin: string, text: string, userAgent: string = DEFAULT_USER_AGENT): Robots {
  const base = new URL(origin).origin;
  const parsed = robotsParser(`${base}/robots.txt`, text.replace(/^\uFEFF/, ''));
  // robots-parser lowercases the agent and drops the "/version" itself; the comment in
  // "ParleyBot/0.1 (+https://…)" must go too, or no group would ever match it.
  const token = userAgent.split(/[\s/]/, 1)[0] ?? userAgent;
  const sitemaps = [
    ...new Set(
      parsed
        .getSitemaps()
        .map((sitemap) => normalizeUrl(sitemap, `${base}/robots.txt`))
        .filter((sitemap): sitemap is string => sitemap !== null),
    ),
  ];
  const delay = parsed.getCrawlDelay(token);
  return {
    origin: base,
    status: 'ok',
    httpStatus: 200,
    message: null,
    transient: false,
    // robots-parser answers undefined for other origins; that is a "no".
    isAllowed: (url) => parsed.isAllowed(url, token) === true,
    sitemaps,
    crawlDelaySeconds: typeof delay === 'number' && Number.isFinite(delay) && delay >= 0 ? delay : null,
  };
}

function allowAllRobots(origin: string, httpStatus: number | null, message: string): Robots {
  return {
    origin,
    status: 'missing',
    httpStatus,
    message,
    transient: false,
    isAllowed: (url) => sameOrigin(url, origin),
    sitemaps: [],
    crawlDelaySeconds: null,
  };
}

function unreachableRobots(
  origin: string,
  httpStatus: number | null,
  message: string,
  transient = false,
): Robots {
  return {
    origin,
    status: 'unreachable',
    httpStatus,
    message,
    transient,
    isAllowed: () => false,
    sitemaps: [],
    crawlDelaySeconds: null,
  };
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

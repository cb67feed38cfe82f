// Sitemaps (sitemaps.org): <urlset> lists pages, <sitemapindex> lists more sitemaps; either
// may be gzipped (recognised by its magic bytes, since servers label .xml.gz every which way)
// and either may use the sitemap namespace or none. Plain-text sitemaps (one URL per line)
// are read too. Every URL comes out normalized with normalizeUrl, so it matches the keys the
// link-following part of the crawl produces.
import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import type { SafeFetch } from '../../../lib/safe-fetch.ts';
import { DEFAULT_USER_AGENT, type FetchFailure, fetchDocument } from './crawl-fetch.ts';
import { normalizeUrl } from './crawl-url.ts';

/** The protocol's own limit on one sitemap, uncompressed; also our gunzip ceiling. */
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;
const DEFAULT_MAX_URLS = 50_000;
const DEFAULT_MAX_SITEMAPS = 50;
const DEFAULT_MAX_DEPTH = 3;

export interface SitemapUrl {
  loc: string;
  lastmod: Date | null;
}

export interface ParsedSitemap {
  urls: SitemapUrl[];
  /** Child sitemaps of a <sitemapindex>. */
  sitemaps: string[];
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Keep <loc> and <lastmod> as text: "2024" must not become a number.
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (tagName) => tagName === 'url' || tagName === 'sitemap',
});

/**
 * Reads one sitemap body. Never throws: anything that is not a sitemap (an HTML error page
 * served with 200, broken XML, a gzip bomb) yields empty lists.
 */
export function parseSitemap(xml: string | Buffer, baseUrl: string): ParsedSitemap {
  const empty: ParsedSitemap = { urls: [], sitemaps: [] };
  const text = decode(xml);
  if (text === null) return empty;
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('<')) return parseTextSitemap(trimmed, baseUrl);

  let document: unknown;
  try {
    document = parser.parse(trimmed);
  } catch {
    return empty;
  }
  const root = asRecord(document);
  const urlset = asRecord(root?.urlset);
  const index = asRecord(root?.sitemapindex);
  const urls: SitemapUrl[] = [];
  for (const entry of asArray(urlset?.url)) {
    const record = asRecord(entry);
    const loc = locOf(record, baseUrl);
    if (loc) urls.push({ loc, lastmod: parseLastmod(textOf(record?.lastmod)) });
  }
  const sitemaps: string[] = [];
  for (const entry of asArray(index?.sitemap)) {
    const loc = locOf(asRecord(entry), baseUrl);
    if (loc) sitemaps.push(loc);
  }
  return { urls, sitemaps };
}

/** Where to look for sitemaps: robots.txt's Sitemap lines first, then the usual names. */
export function discoverSitemapUrls(startUrl: string, robots: { sitemaps: string[] }): string[] {
  const origin = new URL(startUrl).origin;
  const candidates = [...robots.sitemaps, `${origin}/sitemap.xml`, `${origin}/sitemap_index.xml`];
  return [
    ...new Set(candidates.map((url) => normalizeUrl(url)).filter((url): url is string => url !== null)),
  ];
}

export interface CollectSitemapOptions {
  fetch: SafeFetch;
  userAgent?: string;
  /** Stop once this many page URLs are collected (default 50,000). */
  maxUrls?: number;
  /** Sitemap fetches allowed in total, failed ones included (default 50). */
  maxSitemaps?: number;
  /** Index nesting followed: the given sitemaps are depth 0 (default 3). */
  maxDepth?: number;
  timeoutMs?: number;
  /** Only URLs passing it are kept and counted towards maxUrls. */
  filter?: (url: string) => boolean;
  /** Wraps each fetch, e.g. a host limiter's run, so sitemap fetches are polite too. */
  run?: <T>(url: string, fetchSitemap: () => Promise<T>) => Promise<T>;
  /** Told about each sitemap that could not be fetched; the collection goes on without it. */
  onFailure?: (sitemapUrl: string, failure: FetchFailure) => void;
  signal?: AbortSignal;
}

/**
 * Page URLs from the given sitemaps and, breadth first, the sitemaps their indexes list.
 * Failed fetches are skipped (guessed /sitemap.xml URLs usually 404). Deduplicated by URL;
 * when a URL appears twice its latest lastmod wins. Sitemaps are fetched one at a time, in
 * order, so the result (and where maxUrls cuts it) is the same on every run.
 */
export async function collectSitemapUrls(
  sitemapUrls: string[],
  options: CollectSitemapOptions,
): Promise<SitemapUrl[]> {
  const maxUrls = options.maxUrls ?? DEFAULT_MAX_URLS;
  const maxSitemaps = options.maxSitemaps ?? DEFAULT_MAX_SITEMAPS;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const run = options.run ?? ((_url, fetchSitemap) => fetchSitemap());
  const found = new Map<string, SitemapUrl>();
  const visited = new Set<string>();
  let queue = sitemapUrls.map((url) => normalizeUrl(url)).filter((url): url is string => url !== null);

  for (let depth = 0; depth <= maxDepth && queue.length > 0; depth++) {
    const next: string[] = [];
    for (const sitemapUrl of queue) {
      if (found.size >= maxUrls || visited.size >= maxSitemaps) return [...found.values()];
      if (visited.has(sitemapUrl)) continue;
      visited.add(sitemapUrl);
      const fetched = await run(sitemapUrl, () =>
        fetchDocument(sitemapUrl, {
          fetch: options.fetch,
          userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
          accept: 'application/xml,text/xml,text/plain;q=0.9,*/*;q=0.5',
          maxBytes: SITEMAP_MAX_BYTES,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
      if (fetched.status === 'error') {
        options.onFailure?.(sitemapUrl, fetched);
        continue;
      }
      if (fetched.status !== 'ok') continue;
      const parsed = parseSitemap(fetched.body, fetched.finalUrl);
      for (const entry of parsed.urls) {
        if (options.filter && !options.filter(entry.loc)) continue;
        const known = found.get(entry.loc);
        if (known) {
          if (entry.lastmod && (!known.lastmod || entry.lastmod > known.lastmod))
            known.lastmod = entry.lastmod;
          continue;
        }
        if (found.size >= maxUrls) break;
        found.set(entry.loc, entry);
      }
      next.push(...parsed.sitemaps);
    }
    queue = next;
  }
  return [...found.values()];
}

/** UTF-8 text of a body, gunzipped when it starts with the gzip magic; null for a bad gzip. */
function decode(body: string | Buffer): string | null {
  if (typeof body === 'string') return body.replace(/^\uFEFF/, '');
  let bytes = body;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: SITEMAP_MAX_BYTES });
    } catch {
      return null;
    }
  }
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

/** A text sitemap is only trusted when every non-empty line is a URL. */
function parseTextSitemap(text: string, baseUrl: string): ParsedSitemap {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const urls: SitemapUrl[] = [];
  for (const line of lines) {
    if (!/^https?:\/\//i.test(line)) return { urls: [], sitemaps: [] };
    const loc = normalizeUrl(line, baseUrl);
    if (loc) urls.push({ loc, lastmod: null });
  }
  return { urls, sitemaps: [] };
}

/** W3C datetime ("2024-05-01", "2024-05-01T10:00:00+02:00"); null when absent or invalid. */
function parseLastmod(value: string): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** An entry's <loc>, resolved and normalized; null when missing (an empty one would mean the base). */
function locOf(entry: Record<string, unknown> | undefined, baseUrl: string): string | null {
  const loc = textOf(entry?.loc);
  return loc === '' ? null : normalizeUrl(loc, baseUrl);
}

/** The text of an element that may have come out as a string, a repeated array or an object. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return textOf(value[0]);
  const record = asRecord(value);
  return typeof record?.['#text'] === 'string' ? record['#text'].trim() : '';
}

// URL identity and scope for the crawler. normalizeUrl decides when two links are the same
// page (the frontier deduplicates on its output, so it must be stable across runs);
// createUrlFilter decides which pages belong to a source.
//
// Scope rules of createUrlFilter (sameSite, the default):
// - Same site = the start URL's host with any leading "www." removed, that host itself, and
//   any subdomain of it: from https://www.example.com/pricing the crawl reaches example.com,
//   www.example.com and docs.example.com, but from https://docs.example.com it does not climb
//   up to example.com. (A true registrable domain needs the Public Suffix List; not climbing
//   above the start host gives the useful part of it without that dependency.) IP hosts match
//   exactly. The port must match (both default counts as equal, so http and https mix).
// - No path-prefix restriction: like the hosted products, a start page anywhere on the site
//   crawls the whole site. To keep to a section, use include: ['/docs/**'].
// - URLs whose file extension says they are not documents (images, styles, scripts, archives,
//   media, fonts, feeds, office formats we cannot extract) are skipped without fetching.
//
// include/exclude patterns are compiled by crawl-patterns.ts (their syntax is described there):
// a URL must match an include pattern when there are any, and no exclude pattern. The crawl's
// start URL is seeded by the caller regardless of these patterns, so a home page can lead into
// an included section.

import { checkUrlPattern, compileUrlPattern } from './crawl-patterns.ts';

/** Query parameters that only identify a click or a campaign, never the content. */
const TRACKING_PARAMS = new Set([
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'fbclid',
  'msclkid',
  'yclid',
  'twclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  '_hsenc',
  '_hsmi',
]);

const NON_DOCUMENT_EXTENSIONS = new Set(
  [
    // images
    'png jpg jpeg jpe gif webp avif svg svgz ico bmp tif tiff heic heif psd ai eps raw',
    // styles, scripts, data and feeds (sitemaps are fetched by their own path, not as pages)
    'css js mjs cjs map json jsonld xml rss atom rdf ics vcf webmanifest wasm',
    // archives and binaries
    'zip gz tgz tar bz2 xz 7z rar zst dmg exe msi pkg deb rpm apk ipa iso bin jar war dll so',
    // audio and video
    'mp3 mp4 m4a m4v mov avi wmv flv mkv webm wav ogg oga ogv opus flac aac mid midi 3gp mpg mpeg',
    // fonts
    'woff woff2 ttf otf eot',
    // office formats the extractors do not read (DOCX and PDF are read)
    'doc xls xlsx xlsm ppt pptx pps ppsx odp ods key numbers pages swf',
  ]
    .join(' ')
    .split(' '),
);

/**
 * An absolute http(s) URL in canonical form, or null when `raw` is not one (mailto:,
 * javascript:, tel:, data:, unparsable, or with credentials, which fetch refuses anyway).
 * Relative references are resolved against `base`. The fragment is dropped; scheme and host
 * are lowercased and the default port removed (the URL parser does both); tracking parameters
 * are removed while the rest of the query keeps its order and encoding; runs of "/" in the
 * path become one; percent-escapes are uppercased. Trailing slashes are kept: /a and /a/ may
 * be different pages.
 */
export function normalizeUrl(raw: string, base?: string | URL): string | null {
  let url: URL;
  try {
    url = base === undefined ? new URL(raw.trim()) : new URL(raw.trim(), base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || !url.hostname) return null;
  url.hash = '';
  url.pathname = url.pathname.replace(/\/{2,}/g, '/');
  url.search = withoutTrackingParams(url.search);
  return url.href.replace(/%[0-9a-f]{2}/gi, (percentEscape) => percentEscape.toUpperCase());
}

/** Filters raw "name=value" pairs so the kept ones are not re-encoded by URLSearchParams. */
function withoutTrackingParams(search: string): string {
  if (search.length <= 1) return '';
  const kept = search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && !isTrackingParam(pair.split('=', 1)[0] ?? ''));
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

function isTrackingParam(rawName: string): boolean {
  let name = rawName;
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '));
  } catch {
    // A malformed escape is not one of ours: keep the parameter.
  }
  name = name.toLowerCase();
  return name.startsWith('utm_') || TRACKING_PARAMS.has(name);
}

export interface UrlFilterOptions {
  startUrl: string;
  include?: string[];
  exclude?: string[];
  /** Keep to the start URL's site (see the top of this file). Default true. */
  sameSite?: boolean;
}

/** A predicate over URLs (normalized or not) for one crawl; throws if startUrl is not http(s). */
export function createUrlFilter(options: UrlFilterOptions): (url: string) => boolean {
  const normalizedStart = normalizeUrl(options.startUrl);
  if (!normalizedStart) throw new TypeError(`Not an http(s) URL: ${options.startUrl}`);
  const start = new URL(normalizedStart);
  const sameSite = options.sameSite ?? true;
  const include = (options.include ?? []).filter((pattern) => pattern.trim() !== '').map(compileUrlPattern);
  const exclude = (options.exclude ?? []).filter((pattern) => pattern.trim() !== '').map(compileUrlPattern);

  return (raw: string) => {
    const normalized = normalizeUrl(raw);
    if (!normalized) return false;
    const url = new URL(normalized);
    if (sameSite && !isSameSite(url, start)) return false;
    if (hasNonDocumentExtension(url.pathname)) return false;
    if (include.length > 0 && !include.some((matches) => matches(url))) return false;
    return !exclude.some((matches) => matches(url));
  };
}

/** True when `url` is on the site of `start` by the rule at the top of this file. */
export function isSameSite(url: URL, start: URL): boolean {
  if (url.port !== start.port) return false;
  if (isIpHost(start.hostname)) return url.hostname === start.hostname;
  const site = start.hostname.replace(/^www\./, '');
  return url.hostname === site || url.hostname.endsWith(`.${site}`);
}

function isIpHost(hostname: string): boolean {
  return hostname.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname);
}

/** True for paths whose last segment has an extension of a file we never index. */
export function hasNonDocumentExtension(pathname: string): boolean {
  const segment = pathname.slice(pathname.lastIndexOf('/') + 1).toLowerCase();
  const dot = segment.lastIndexOf('.');
  return dot > 0 && NON_DOCUMENT_EXTENSIONS.has(segment.slice(dot + 1));
}

/**
 * The first include/exclude pattern that can never match a page of the site at `startUrl`, as
 * the parameter it came in (`exclude.0`) and why; null when every pattern can match.
 */
export function findDeadPattern(options: {
  startUrl: string;
  include?: string[];
  exclude?: string[];
}): { param: string; pattern: string; reason: string } | null {
  const normalizedStart = normalizeUrl(options.startUrl);
  if (!normalizedStart) return null;
  const start = new URL(normalizedStart);
  for (const field of ['include', 'exclude'] as const) {
    for (const [index, pattern] of (options[field] ?? []).entries()) {
      const reason = checkUrlPattern(pattern, (url) => isSameSite(url, start));
      if (reason) return { param: `${field}.${index}`, pattern, reason };
    }
  }
  return null;
}

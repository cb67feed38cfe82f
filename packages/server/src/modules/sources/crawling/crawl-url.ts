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
// Pattern syntax of include/exclude (case-insensitive):
// - No "*": a substring of the full normalized URL. "/blog/" matches any URL containing it.
// - With "*": a glob matched against the whole of something, anchored at both ends:
//   starting with "/" it is matched against path + query ("/docs/**", "/blog/*/comments"),
//   otherwise against the full URL ("https://*.example.com/**").
//   "*" matches within one path segment (no "/"), "**" across segments; a trailing "/**"
//   also matches the bare prefix ("/docs/**" matches /docs and /docs?page=2), and "/**/"
//   also matches "/" ("/**/faq" matches /faq).
// include: when non-empty, a URL must match at least one pattern. exclude: a URL matching
// any pattern is rejected, whatever include says. The crawl's start URL is seeded by the
// caller regardless of these patterns, so a home page can lead into an included section.

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

/** Compiles one include/exclude pattern (syntax at the top of this file). */
export function compileUrlPattern(pattern: string): (url: URL) => boolean {
  const trimmed = pattern.trim();
  if (!trimmed.includes('*')) {
    const needle = trimmed.toLowerCase();
    return (url) => url.href.toLowerCase().includes(needle);
  }
  const regex = globToRegExp(trimmed);
  const pathOnly = trimmed.startsWith('/');
  return (url) => regex.test(pathOnly ? url.pathname + url.search : url.href);
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  let i = 0;
  while (i < glob.length) {
    if (glob.startsWith('/**/', i)) {
      source += '/(?:.*/)?';
      i += 4;
    } else if (glob.startsWith('/**', i) && i + 3 === glob.length) {
      source += '(?:[/?].*)?';
      i += 3;
    } else if (glob.startsWith('**', i)) {
      source += '.*';
      i += 2;
    } else if (glob[i] === '*') {
      source += '[^/]*';
      i += 1;
    } else {
      source += (glob[i] ?? '').replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  return new RegExp(`^${source}$`, 'i');
}

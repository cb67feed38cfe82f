// include/exclude patterns of web sources, matched case-insensitively against normalized URLs.
// Globs are picomatch's: "*" stays within a path segment, "**" as a whole segment crosses
// segments (and matches none: "/docs/**" matches /docs), "{a,b}" and "[ab]" work as in a shell.
// What a pattern is matched against depends on how it starts:
// - no "*" at all: a substring of the full URL ("/blog/", "?lang=fr");
// - "/": the path, with and without the query ("/docs/**", "/blog/*");
// - "http://" or "https://": the full URL, with and without the query ("https://*.example.com/**");
// - anything else: host and path ("docs.example.com/guide/*"), or the end of the path from any
//   segment on, as in .gitignore: "*/blog/*" matches /blog/launch and /en/blog/launch, "*.pdf"
//   matches any PDF.
import picomatch from 'picomatch';

const GLOB_OPTIONS = { nocase: true, dot: true } as const;

/** Compiles one pattern; an unusable one (see checkUrlPattern) matches nothing. */
export function compileUrlPattern(pattern: string): (url: URL) => boolean {
  const trimmed = pattern.trim();
  if (!trimmed.includes('*')) {
    const needle = trimmed.toLowerCase();
    return (url) => url.href.toLowerCase().includes(needle);
  }
  let isMatch: (subject: string) => boolean;
  try {
    isMatch = picomatch(trimmed.startsWith('/') ? trimmed.slice(1) : trimmed, GLOB_OPTIONS);
  } catch {
    return () => false;
  }
  return (url) => subjectsOf(trimmed, url).some((subject) => isMatch(subject));
}

/** What a glob is matched against, by the rules at the top of this file. */
function subjectsOf(pattern: string, url: URL): string[] {
  let bases: string[];
  if (pattern.startsWith('/')) bases = [url.pathname.slice(1)];
  else if (/^https?:\/\//i.test(pattern)) bases = [`${url.protocol}//${url.host}${url.pathname}`];
  else {
    const segments = url.pathname.split('/');
    bases = [`${url.host}${url.pathname}`];
    for (let i = 1; i < segments.length; i++) bases.push(segments.slice(i).join('/'));
  }
  return url.search ? bases.flatMap((base) => [base, base + url.search]) : bases;
}

/**
 * Why `pattern` can never match a page the crawl may visit, or null when it can. The crawl
 * matches normalized URLs of one site (`isOnSite`), so some patterns are dead on arrival.
 */
export function checkUrlPattern(pattern: string, isOnSite: (url: URL) => boolean): string | null {
  const trimmed = pattern.trim();
  if (trimmed === '') return 'is empty.';
  if (/\s/.test(trimmed)) return 'contains a space: URLs never do (a space in a URL is written %20).';
  if (trimmed.includes('#')) return "contains '#': URLs are matched without their #fragment.";
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  if (scheme && !/^https?$/i.test(scheme[1] ?? '')) {
    return `starts with ${scheme[1]}://: only http and https pages are crawled.`;
  }
  if (!scheme && trimmed.startsWith('//')) {
    return "starts with '//': write a path from one '/', or a whole URL with http:// or https://.";
  }
  if (/[^:/]\/\//.test(trimmed.replace(/^[a-z]+:\/\//i, 'x:/'))) {
    return "contains '//' in its path: URLs are matched with repeated slashes made one.";
  }
  const host = scheme ? (/^[a-z]+:\/\/([^/?]*)/i.exec(trimmed)?.[1] ?? '') : null;
  if (host !== null && !/[*?[\]{}()!+@]/.test(host)) {
    let target: URL;
    try {
      target = new URL(`${scheme?.[0]}${host}/`);
    } catch {
      return `names the host '${host}', which is not a valid host.`;
    }
    if (!isOnSite(target)) return `names the host ${target.host}, which is not on the site being crawled.`;
  }
  if (!trimmed.includes('*')) return null;
  try {
    picomatch.makeRe(trimmed, GLOB_OPTIONS);
  } catch (error) {
    return `is not a valid glob: ${(error as Error).message}`;
  }
  return null;
}

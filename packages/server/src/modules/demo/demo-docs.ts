// What the demo chatbot knows: Parley's own documentation, read from the repository, and the
// origins of the server it runs on. Pure helpers, apart from reading the files.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root, from this file's place in it (not from the working directory). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../../../..');

const MAX_TITLE_CHARS = 300;

export interface DemoDoc {
  /** Relative to the root, e.g. `docs/widget.md`. */
  path: string;
  title: string;
  content: string;
  hash: string;
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A document's title: its first level-one heading, else its first non-blank line. Derived from
 * the content alone, so a source made from a file can be recognised by its title and content.
 */
export function docTitle(content: string): string {
  const heading = /^#[ \t]+(.+?)[ \t#]*$/m.exec(content)?.[1]?.trim();
  const firstLine = content
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.length > 0);
  return (heading || firstLine || 'Untitled').slice(0, MAX_TITLE_CHARS);
}

/** Only these paths are documentation: the page that serves them reads nothing else. */
const DOC_PATH = /^(README\.md|docs\/[A-Za-z0-9._-]+\.md)$/;

/** One documentation file by its path under the root (`README.md`, `docs/chat.md`), or null. */
export function readDemoDoc(root: string, relPath: string): string | null {
  if (!DOC_PATH.test(relPath) || relPath.includes('..')) return null;
  const file = path.join(root, relPath);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** README.md and docs/*.md under the root, in a stable order; missing ones are skipped. */
export function readDemoDocs(root: string): DemoDoc[] {
  const files: string[] = [];
  if (existsSync(path.join(root, 'README.md'))) files.push('README.md');
  const docsDir = path.join(root, 'docs');
  if (existsSync(docsDir)) {
    for (const name of readdirSync(docsDir).sort()) {
      if (DOC_PATH.test(`docs/${name}`)) files.push(`docs/${name}`);
    }
  }
  const docs: DemoDoc[] = [];
  for (const file of files) {
    const content = readFileSync(path.join(root, file), 'utf8');
    // A text source must hold at least one character that is not blank.
    if (!content.trim()) continue;
    docs.push({ path: file, title: docTitle(content), content, hash: contentHash(content) });
  }
  return docs;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost']);
/** Addresses that mean "every interface": a browser never shows them as an origin. */
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);
/** What a chatbot's allowed_origins accepts as a host (no IPv6 literal). */
const ORIGIN_HOST = /^[A-Za-z0-9.-]+$/;

/** The origins a browser shows for pages of this server: loopback by name and address, and the host. */
export function serverOrigins(host: string, port: number): string[] {
  const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  if (!LOOPBACK_NAMES.has(host) && !ANY_ADDRESS.has(host) && ORIGIN_HOST.test(host)) {
    origins.push(`http://${host}:${port}`);
  }
  return origins;
}

/** Where the server's own pages are, for links: a browser cannot open an any-address or IPv6 literal host. */
export function serverBaseUrl(host: string, port: number): string {
  const usable = !ANY_ADDRESS.has(host) && ORIGIN_HOST.test(host);
  return `http://${usable ? host : '127.0.0.1'}:${port}`;
}

/** Where the demo page serves a documentation file, which answers citing it link to. */
export function demoDocUrl(baseUrl: string, relPath: string): string {
  return `${baseUrl}/demo/${relPath}`;
}

/**
 * The demo bot's allowed origins after a start on `current`: this server's origins from earlier
 * starts (same hosts, another port) are replaced; origins added by hand for other hosts are kept.
 */
export function mergeServerOrigins(existing: string[], current: string[]): string[] {
  const hosts = new Set(current.map((origin) => new URL(origin).hostname));
  const kept = existing.filter((origin) => {
    if (current.includes(origin)) return false;
    try {
      const url = new URL(origin);
      return !(url.protocol === 'http:' && hosts.has(url.hostname));
    } catch {
      return true;
    }
  });
  return [...current, ...kept];
}

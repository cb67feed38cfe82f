// Plain text documents, and the decoding and clean-up every text-based format shares.
import type { ExtractedDocument } from '../source-types.ts';

/** Characters that never belong in indexed text (BOM, NUL, zero-width and other controls). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
const JUNK = /[\u0000-\u0008\u000b\u000e-\u001f\u007f\u00ad\u200b-\u200d\u2060\ufeff]/g;

/**
 * Decodes bytes to text: the declared charset when the runtime knows it, else UTF-8, else
 * Windows-1252 (what "plain text" from an old Windows tool usually is) when the bytes are not
 * valid UTF-8. A byte-order mark wins over the declaration, as in browsers.
 */
export function decodeText(body: Buffer, charset?: string | null): string {
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe)
    return new TextDecoder('utf-16le').decode(body);
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff)
    return new TextDecoder('utf-16be').decode(body);
  const label = charset?.trim().toLowerCase();
  if (label && label !== 'utf-8' && label !== 'utf8') {
    try {
      return new TextDecoder(label).decode(body);
    } catch {
      // Unknown label: fall through to UTF-8.
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return new TextDecoder('windows-1252').decode(body);
  }
}

/**
 * Normalises text for indexing without touching its structure: Unix line ends, no control or
 * zero-width characters, no trailing spaces, at most one blank line between paragraphs.
 */
export function normalizeText(text: string): string {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .replace(JUNK, '')
    .replace(/\u00a0/g, ' ')
    .split('\n');
  return lines
    .map(withoutTrailingSpaces)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .trimEnd();
}

/**
 * The line without its trailing spaces and tabs, scanned from its end. A regular expression
 * anchored at the end (`/[ \t]+$/`) retries from every space of a run that is not at the end:
 * a megabyte of spaces before a word took minutes.
 */
export function withoutTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && ' \t\f\v'.includes(line[end - 1]!)) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** "refund-policy_v2.final.txt" → "refund-policy_v2.final"; a URL's last path segment likewise. */
export function titleFromName(filename: string | null | undefined, url: string | null): string {
  let name = filename ?? '';
  if (!name && url) {
    try {
      name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '');
    } catch {
      name = '';
    }
  }
  return name.replace(/^.*[\\/]/, '').replace(/\.[a-z0-9]{1,5}$/i, '');
}

/** A first line short enough to read as a title (not the first sentence of a paragraph). */
export function titleFromFirstLine(text: string): string | null {
  const line = text.split('\n', 1)[0]?.trim() ?? '';
  if (!line || line.length > 120) return null;
  return line.replace(/^#+\s*/, '');
}

export interface TextExtractOptions {
  url: string | null;
  filename?: string | null;
  charset?: string | null;
}

/** A plain text file: one section, paragraphs as they are. */
export function extractPlainText(body: Buffer, options: TextExtractOptions): ExtractedDocument {
  const text = normalizeText(decodeText(body, options.charset));
  const title = titleFromFirstLine(text) ?? titleFromName(options.filename, options.url);
  return {
    title,
    canonicalUrl: null,
    sections: text ? [{ headingPath: [], text }] : [],
    noindex: false,
    nofollow: false,
    links: [],
  };
}

// CSV: each record becomes a paragraph of "Header: value" lines, so a record reads on its own
// (a chunk holding row 240 still says which column is the price) and the chunker, which cuts at
// paragraph boundaries first, keeps records whole.
import { parse } from 'csv-parse/sync';
import type { ExtractedDocument } from '../source-types.ts';
import { decodeText, titleFromName } from './extract-text.ts';

export interface CsvExtractOptions {
  url: string | null;
  filename?: string | null;
  charset?: string | null;
}

/** The delimiter used most on the first line: comma, semicolon (European Excel) or tab. */
function guessDelimiter(text: string): string {
  const newline = text.indexOf('\n');
  const firstLine = newline < 0 ? text : text.slice(0, newline);
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const count = firstLine.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

function clean(value: unknown): string {
  return String(value ?? '')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

export function extractCsv(body: Buffer, options: CsvExtractOptions): ExtractedDocument {
  const text = decodeText(body, options.charset).replace(/^\ufeff/, '');
  const rows = parse(text, {
    delimiter: guessDelimiter(text),
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as unknown[][];
  const [header = [], ...records] = rows;
  // Unnamed or repeated columns still need a label to be readable.
  const seen = new Map<string, number>();
  const names = header.map((cell, i) => {
    const name = clean(cell) || `Column ${i + 1}`;
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count > 1 ? `${name} (${count})` : name;
  });

  const paragraphs: string[] = [];
  for (const record of records) {
    const lines: string[] = [];
    record.forEach((cell, i) => {
      const value = clean(cell);
      // Empty cells say nothing; multi-line cells stay on one line so a record is one block.
      if (value) lines.push(`${names[i] ?? `Column ${i + 1}`}: ${value.replace(/\n+/g, ' ')}`);
    });
    if (lines.length > 0) paragraphs.push(lines.join('\n'));
  }
  return {
    title: titleFromName(options.filename, options.url),
    canonicalUrl: null,
    sections: paragraphs.length > 0 ? [{ headingPath: [], text: paragraphs.join('\n\n') }] : [],
    noindex: false,
    nofollow: false,
    links: [],
  };
}

// Markdown: sections at ATX ("## Refunds") and setext ("Refunds\n-------") headings, front matter
// removed (its title kept), and the text as a reader sees it: link and emphasis markup gone,
// soft-wrapped lines joined, lists and table rows one per line, code blocks verbatim.

import { fenceCode } from '../code-fence.ts';
import type { ExtractedDocument, Section } from '../source-types.ts';
import { decodeText, normalizeText, titleFromName, withoutTrailingSpaces } from './extract-text.ts';

export interface MarkdownExtractOptions {
  url: string | null;
  filename?: string | null;
  charset?: string | null;
}

const FRONT_MATTER =
  /^(?:---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)|\+\+\+[ \t]*\n([\s\S]*?)\n\+\+\+)[ \t]*(?:\n|$)/;
const ATX_OPENING = /^ {0,3}(#{1,6})(?:[ \t]+|$)/;
const SETEXT_1 = /^ {0,3}=+[ \t]*$/;
const SETEXT_2 = /^ {0,3}-+[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const FENCE = /^( {0,3})(`{3,}|~{3,})/;
const LIST_ITEM = /^(\s*)(?:[-*+]|(\d{1,9})[.)])[ \t]+/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*\S+/;

/** Inline markup a reader does not see: links show their text, images their alt text. */
export function stripInline(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<((?:https?|mailto):[^>\s]+)>/g, '$1')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[\s(])\*(?=\S)([^*\n]*?\S)\*(?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/(^|[\s(])_(?=\S)([^_\n]*?\S)_(?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_match, _ticks, code: string) => code.trim())
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, '$1');
}

function frontMatterTitle(yaml: string): string | null {
  const match = /^title\s*[:=]\s*(.+)$/im.exec(yaml);
  if (!match) return null;
  return (
    match[1]!
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2')
      .trim() || null
  );
}

function tableRow(line: string): string {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => stripInline(cell.trim()))
    .join(' | ');
}

/**
 * "## Refunds ##" → level 2, "Refunds". Scanned by hand: one regular expression for the whole
 * line (lazy text, optional closing hashes, trailing spaces) was quadratic in a run of spaces.
 */
function atxHeading(line: string): { level: number; text: string } | null {
  const opening = ATX_OPENING.exec(line);
  if (!opening) return null;
  let text = withoutTrailingSpaces(line.slice(opening[0].length));
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  // Closing hashes count only after a space or tab ("C#" keeps its hash), or alone.
  if (end < text.length && (end === 0 || text[end - 1] === ' ' || text[end - 1] === '\t')) {
    text = withoutTrailingSpaces(text.slice(0, end));
  }
  return { level: opening[1]!.length, text };
}

/** A line that starts a line of its own in the output (not a soft-wrapped continuation). */
function isLineBlock(line: string): boolean {
  return LIST_ITEM.test(line) || /^\s*\|/.test(line) || /^\s*>/.test(line);
}

export function extractMarkdown(body: Buffer, options: MarkdownExtractOptions): ExtractedDocument {
  let text = normalizeText(decodeText(body, options.charset));
  let title: string | null = null;
  const front = FRONT_MATTER.exec(text);
  if (front) {
    title = frontMatterTitle(front[1] ?? front[2] ?? '');
    text = text.slice(front[0].length);
  }
  const lines = text.split('\n');

  const sections: Section[] = [];
  const stack: { level: number; text: string }[] = [];
  let blocks: string[] = [];
  let paragraph: string[] = [];
  let firstHeading: { level: number; text: string } | null = null;
  /** After a table's delimiter row, every line up to a blank line is a row. */
  let inTable = false;

  const flushParagraph = (): void => {
    if (paragraph.length > 0) blocks.push(paragraph.join('\n'));
    paragraph = [];
    inTable = false;
  };
  const closeSection = (): void => {
    flushParagraph();
    if (blocks.length > 0)
      sections.push({ headingPath: stack.map((h) => h.text), text: blocks.join('\n\n') });
    blocks = [];
  };
  const heading = (level: number, raw: string): void => {
    const label = stripInline(raw).trim();
    closeSection();
    if (!label) return;
    if (!firstHeading || level < firstHeading.level) firstHeading = { level, text: label };
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    stack.push({ level, text: label });
  };
  /** Adds a source line to the paragraph being built, joining soft-wrapped lines. */
  const addLine = (line: string): void => {
    if (isLineBlock(line) || paragraph.length === 0) {
      const item = LIST_ITEM.exec(line);
      if (item) {
        const marker = item[2] ? `${item[2]}.` : '-';
        paragraph.push(
          `${item[1]!.replace(/\t/g, '  ')}${marker} ${stripInline(line.slice(item[0].length))}`,
        );
      } else if (/^\s*\|/.test(line)) paragraph.push(tableRow(line));
      else paragraph.push(stripInline(line.replace(/^\s*>\s?/, '').trim()));
      return;
    }
    paragraph[paragraph.length - 1] += ` ${stripInline(line.trim())}`;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      // Code is kept verbatim, as a fenced block of its own (the fence is written anew: see
      // code-fence.ts).
      flushParagraph();
      const [, indent, marker] = fence;
      const code: string[] = [];
      for (i++; i < lines.length; i++) {
        const inner = lines[i]!;
        if (new RegExp(`^ {0,3}${marker![0]}{${marker!.length},}\\s*$`).test(inner)) break;
        code.push(inner.startsWith(indent!) ? inner.slice(indent!.length) : inner);
      }
      const block = code.join('\n').replace(/^\n+/, '').trimEnd();
      if (block) blocks.push(fenceCode(block));
      continue;
    }
    if (line.trim() === '') {
      flushParagraph();
      continue;
    }
    const atx = atxHeading(line);
    if (atx) {
      heading(atx.level, atx.text);
      continue;
    }
    // A paragraph followed by "===" or "---" is a heading (setext); without one, "---" is a rule.
    const plainParagraph = paragraph.length > 0 && !paragraph.some((p) => isLineBlock(p) || /^- /.test(p));
    if (plainParagraph && (SETEXT_1.test(line) || SETEXT_2.test(line))) {
      const raw = paragraph.join(' ');
      paragraph = [];
      heading(SETEXT_1.test(line) ? 1 : 2, raw);
      continue;
    }
    if (THEMATIC_BREAK.test(line)) {
      flushParagraph();
      continue;
    }
    if (TABLE_DELIMITER.test(line) && line.includes('-') && paragraph.length > 0) {
      // The header row was read as text; it is a row too ("a | b" without outer pipes).
      const header = lines[i - 1]!;
      paragraph[paragraph.length - 1] = tableRow(header);
      inTable = true;
      continue;
    }
    if (inTable) {
      paragraph.push(tableRow(line));
      continue;
    }
    if (REFERENCE_DEFINITION.test(line) && paragraph.length === 0) continue;
    addLine(line);
  }
  closeSection();

  const found = firstHeading as { level: number; text: string } | null;
  return {
    title: title ?? found?.text ?? titleFromName(options.filename, options.url),
    canonicalUrl: null,
    sections,
    noindex: false,
    nofollow: false,
    links: [],
  };
}

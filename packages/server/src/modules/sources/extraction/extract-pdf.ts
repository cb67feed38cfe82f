// PDF: one section per page (page set, headings unknown). unpdf's extractText() gives each page's
// lines with no paragraph breaks, and wrapped lines cut sentences in two; the positioned text
// items (extractTextItems, same library) let us rebuild paragraphs from the layout: a larger
// vertical gap, a change of font size or a bullet starts a paragraph, wrapped lines are joined
// and words hyphenated at a line end are mended.
import { extractTextItems, getDocumentProxy, getMeta } from 'unpdf';
import type { ExtractedDocument, Section } from '../source-types.ts';
import { UnsupportedDocumentError } from './extract-errors.ts';
import { titleFromFirstLine, titleFromName } from './extract-text.ts';

export interface PdfExtractOptions {
  url: string | null;
  filename?: string | null;
}

interface Item {
  str: string;
  x: number;
  y: number;
  width: number;
  fontSize: number;
  hasEOL: boolean;
}

interface Line {
  text: string;
  y: number;
  fontSize: number;
  /** Items spread in columns with wide gaps: a table row, kept on a line of its own. */
  tabular: boolean;
}

/** Bullet glyphs, including the private-use ones symbol fonts (Wingdings, OpenSymbol) map to. */
const BULLET = /^(?:[•●▪■◦‣∙·–\-*]|[\ue000-\uf8ff])\s+/u;
const PRIVATE_USE = /[\ue000-\uf8ff]/gu;
const NUMBERED = /^(?:\d{1,3}[.)]|[a-z][.)])\s+/;

function linesOf(items: Item[]): Line[] {
  const lines: Line[] = [];
  let current: Line | null = null;
  let previous: Item | null = null;
  let cellGap = false;
  for (const item of items) {
    const sameLine =
      current !== null &&
      previous !== null &&
      !previous.hasEOL &&
      Math.abs(item.y - current.y) < item.fontSize * 0.5;
    if (!sameLine) {
      if (current) lines.push(current);
      current = { text: '', y: item.y, fontSize: item.fontSize, tabular: false };
      cellGap = false;
    }
    const line = current!;
    if (item.str.trim() === '') {
      // Some producers fill the space between table cells with one wide space item.
      if (item.width > item.fontSize * 1.5 && line.text.trim() !== '') cellGap = true;
      else line.text += item.str;
      previous = item;
      continue;
    }
    if (sameLine && previous) {
      // A visible gap separates words; a gap of several characters separates cells.
      const gap = item.x - (previous.x + previous.width);
      if ((cellGap || gap > item.fontSize * 1.5) && line.text.trim() !== '') {
        line.text = `${line.text.trimEnd()} | `;
        line.tabular = true;
      } else if (gap > item.fontSize * 0.15 && !/\s$/.test(line.text)) line.text += ' ';
    }
    cellGap = false;
    line.text += item.str;
    line.fontSize = Math.max(line.fontSize, item.fontSize);
    previous = item;
  }
  if (current) lines.push(current);
  return lines
    .map((line) => ({ ...line, text: line.text.replace(/\s+/g, ' ').trim() }))
    .filter((line) => line.text !== '');
}

/** The usual distance between two lines of a paragraph: the lower quartile of line gaps. */
function lineSpacing(lines: Line[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const gap = lines[i - 1]!.y - lines[i]!.y;
    const size = lines[i]!.fontSize;
    if (gap > size * 0.5 && Math.abs(size - lines[i - 1]!.fontSize) < 0.5) gaps.push(gap);
  }
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 4)]!;
}

/** Joins a page's lines into paragraphs separated by blank lines. */
export function paragraphsOf(lines: Line[]): string {
  const spacing = lineSpacing(lines);
  const paragraphs: string[] = [];
  let current = '';
  lines.forEach((line, i) => {
    let text = line.text;
    const bullet = BULLET.exec(text);
    if (bullet) text = `- ${text.slice(bullet[0].length)}`;
    text = text.replace(PRIVATE_USE, '').trim();
    if (!text) return;
    const prev = lines[i - 1];
    const gap = prev ? prev.y - line.y : 0;
    if (prev && line.tabular && prev.tabular && gap > 0 && gap <= (spacing || line.fontSize * 1.6) * 1.3) {
      current += `\n${text}`;
      return;
    }
    const breaks =
      !prev ||
      bullet !== null ||
      line.tabular ||
      prev.tabular ||
      NUMBERED.test(text) ||
      Math.abs(line.fontSize - prev.fontSize) > prev.fontSize * 0.1 ||
      gap < 0 ||
      (spacing > 0 ? gap > spacing * 1.3 : gap > line.fontSize * 1.6);
    if (breaks) {
      if (current) paragraphs.push(current);
      current = text;
    } else if (/\p{L}-$/u.test(current) && /^\p{Ll}/u.test(text)) {
      current = current.slice(0, -1) + text;
    } else current += ` ${text}`;
  });
  if (current) paragraphs.push(current);
  // Consecutive list items read as one list block, like lists from HTML.
  const blocks: string[] = [];
  for (const paragraph of paragraphs) {
    const last = blocks.length - 1;
    if (last >= 0 && paragraph.startsWith('- ') && blocks[last]!.startsWith('- '))
      blocks[last] += `\n${paragraph}`;
    else blocks.push(paragraph);
  }
  return blocks.join('\n\n');
}

/**
 * A paragraph cut by a page break ("…the refund is" / "issued within 5 days.") is completed on the
 * page where it starts, so no sentence is split between two sections.
 */
export function mendPageBreaks(sections: Section[]): void {
  for (let i = 1; i < sections.length; i++) {
    const previous = sections[i - 1]!;
    const current = sections[i]!;
    if (current.page !== (previous.page ?? 0) + 1 || /[.!?:;)"”’]$/.test(previous.text)) continue;
    const breakAt = current.text.indexOf('\n\n');
    const first = breakAt < 0 ? current.text : current.text.slice(0, breakAt);
    if (!/^\p{Ll}/u.test(first)) continue;
    previous.text = /\p{L}-$/u.test(previous.text)
      ? previous.text.slice(0, -1) + first
      : `${previous.text} ${first}`;
    current.text = breakAt < 0 ? '' : current.text.slice(breakAt + 2);
  }
  for (let i = sections.length - 1; i >= 0; i--) if (!sections[i]!.text) sections.splice(i, 1);
}

/** Titles that are file names or producer boilerplate ("Microsoft Word - draft3.docx") say nothing. */
function usableTitle(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const title = raw
    .replace(/^Microsoft (?:Word|PowerPoint|Excel) - /i, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!title || /\.(?:docx?|pdf|pptx?|xlsx?|odt|rtf|txt|indd|tex)$/i.test(title) || /^untitled/i.test(title))
    return null;
  return title;
}

export async function extractPdf(body: Buffer, options: PdfExtractOptions): Promise<ExtractedDocument> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js may detach the buffer it is given: hand it a copy.
    pdf = await getDocumentProxy(new Uint8Array(body));
  } catch (error) {
    if ((error as { name?: string }).name === 'PasswordException') {
      throw new UnsupportedDocumentError(
        'password-protected PDF',
        'The PDF is password-protected; upload an unprotected copy.',
      );
    }
    throw error;
  }
  try {
    const { info } = await getMeta(pdf);
    const { items } = await extractTextItems(pdf);
    const sections: Section[] = [];
    items.forEach((pageItems, i) => {
      const text = paragraphsOf(linesOf(pageItems as Item[]));
      if (text) sections.push({ headingPath: [], text, page: i + 1 });
    });
    mendPageBreaks(sections);
    const title =
      usableTitle((info as Record<string, unknown>).Title) ??
      (sections[0] ? titleFromFirstLine(sections[0].text) : null) ??
      titleFromName(options.filename, options.url);
    return { title, canonicalUrl: null, sections, noindex: false, nofollow: false, links: [] };
  } finally {
    await pdf.loadingTask.destroy();
  }
}

// Cuts an extracted document into retrieval chunks of about `targetTokens` cl100k tokens.
//
// Where a chunk may end, best first: at a section boundary (a heading), at a paragraph boundary,
// between lines of a list, table or code block, between sentences, and only for a sentence longer
// than a whole chunk, between words. Rules:
//  - A chunk never exceeds targetTokens (the overlap included).
//  - A chunk never spans two top-level sections (different first heading), unless one side is
//    too small to stand alone: a tiny intro at the start of the document (a reference page's
//    one-line summary) flows into what follows, and a tiny section ("See Also" and two links)
//    joins the chunk before it. A tiny section intro likewise flows into its first subsection.
//  - Small consecutive sections of one top-level section share a chunk when they fit whole; the
//    headings of the sections after the first are kept in the text as lines of their own.
//  - When a section continues into the next chunk, that chunk starts with the last sentences (or
//    lines) of the previous one, up to overlapTokens, so a fact cut at the boundary is whole in
//    one of them. A chunk that starts a section has no overlap: the previous text is unrelated.
//  - Consecutive sections under the same headings (the pages of a PDF) read as one text: a page
//    break is a paragraph break, not a section boundary.
//  - A chunk carries the headingPath and page of the section it starts in.
//  - A fenced code block (see code-fence.ts) is one paragraph, blank lines and all. Cut between its
//    lines, each chunk that holds some of them has them fenced, so code reads as code in every one.

import { FENCE_LINE } from '../code-fence.ts';
import type { Chunk, ChunkOptions, ExtractedDocument, Section } from '../source-types.ts';
import { splitSentences, splitWords } from './chunk-sentences.ts';
import { countTokens, forEachCountedUnit } from './chunk-tokens.ts';

export const DEFAULT_TARGET_TOKENS = 400;
export const DEFAULT_OVERLAP_TOKENS = 60;
/** A chunk smaller than this share of the target may flow into the next section. */
const TINY = 0.15;
/** A paragraph that does not fit starts a new chunk when the current one is at least this full. */
const FULL_ENOUGH = 0.5;

type Separator = '\n\n' | '\n' | ' ';
/** A paragraph break or a line break is one token ("\n\n", ".\n"); a space joins the next word. */
const SEPARATOR_TOKENS: Record<Separator, number> = { '\n\n': 1, '\n': 1, ' ': 0 };

/** A run of text that goes into a chunk whole, and what separates it from the text before it. */
interface Piece {
  text: string;
  tokens: number;
  sep: Separator;
  /** Lines of a code block, without its fences: a chunk writes them around each run of code. */
  code?: boolean;
}

const FENCE = '```';
/** The fences around a run of code: "```" and a line break, twice. */
const FENCE_TOKENS = 4;

/** What a piece adds to a chunk after `before` (null: it starts the chunk). */
function costAfter(next: Piece, before: Piece | null): number {
  return (
    (before ? SEPARATOR_TOKENS[next.sep] : 0) + next.tokens + (next.code && !before?.code ? FENCE_TOKENS : 0)
  );
}

/**
 * A section's paragraphs: text split at blank lines, and each fenced code block whole (its blank
 * lines kept) as a code piece without its fence lines.
 */
function paragraphsOf(text: string, limit: number): Piece[] {
  const pieces: Piece[] = [];
  let lines: string[] = [];
  let sep: Separator = '\n\n';
  let fence: string | null = null;
  const flush = (code: boolean, nextSep: Separator): void => {
    const body = code ? lines.join('\n').replace(/^\n+|\n+$/g, '') : lines.join('\n');
    if (body.trim() !== '') pieces.push({ ...piece(body, sep, limit), code });
    lines = [];
    sep = nextSep;
  };
  for (const line of text.split('\n')) {
    const marker = FENCE_LINE.exec(line)?.[1];
    if (fence !== null) {
      if (marker !== undefined && marker.length >= fence.length && line.trim() === marker) {
        flush(true, '\n\n');
        fence = null;
      } else lines.push(line);
    } else if (marker !== undefined) {
      // Code right under a line of text ("Run:") follows it as the next line, not a paragraph.
      const joined = lines.length > 0;
      flush(false, joined ? '\n' : sep);
      fence = marker;
    } else if (line.trim() === '') {
      if (lines.length > 0) flush(false, '\n\n');
    } else lines.push(line);
  }
  flush(fence !== null, '\n\n');
  return pieces;
}

/**
 * With `limit`, a text longer than that is counted only until it passes the limit: it is cut
 * again before it goes into a chunk, and a paragraph of megabytes is not counted whole for that.
 */
function piece(text: string, sep: Separator, limit?: number): Piece {
  return { text, tokens: countTokens(text, limit), sep };
}

/**
 * Hard cut of a "word" longer than a chunk (a base64 blob, a URL with no spaces): slices that
 * fit, so the size bound holds for any input. The word is read once, cut between the units its
 * tokens are counted in.
 */
function sliceWord(word: string, max: number): string[] {
  const slices: string[] = [];
  let start = 0;
  let end = 0;
  let used = 0;
  forEachCountedUnit(word, (unit, tokens) => {
    if (used + tokens > max && end > start) {
      slices.push(word.slice(start, end));
      start = end;
      used = 0;
    }
    used += tokens;
    end += unit.length;
  });
  if (end > start) slices.push(word.slice(start, end));
  return slices;
}

/** A sentence longer than a chunk, packed by words. */
function packWords(text: string, max: number, sep: Separator): Piece[] {
  const out: Piece[] = [];
  let words: string[] = [];
  let used = 0;
  const flush = (): void => {
    if (words.length > 0) out.push(piece(words.join(' '), out.length === 0 ? sep : ' '));
    words = [];
    used = 0;
  };
  for (const word of splitWords(text)) {
    const tokens = countTokens(` ${word}`, max);
    if (tokens > max) {
      flush();
      for (const slice of sliceWord(word, max)) out.push(piece(slice, out.length === 0 ? sep : ' '));
      continue;
    }
    if (used + tokens > max) flush();
    words.push(word);
    used += tokens;
  }
  flush();
  return out;
}

/** Splits a piece into pieces of at most `max` tokens: by lines, then sentences, then words. */
function splitToFit(whole: Piece, max: number): Piece[] {
  if (whole.tokens + (whole.code ? FENCE_TOKENS : 0) <= max) return [whole];
  if (whole.code) {
    // Code is cut between lines only (a long line on words), and room is left for its fences.
    return whole.text
      .split('\n')
      .flatMap((line, i) =>
        line.trim() ? splitPlain(piece(line, i === 0 ? whole.sep : '\n', max), max - FENCE_TOKENS) : [],
      )
      .map((part) => ({ ...part, code: true }));
  }
  return splitPlain(whole, max);
}

function splitPlain(whole: Piece, max: number): Piece[] {
  if (whole.tokens <= max) return [whole];
  const { text, sep } = whole;
  if (text.includes('\n')) {
    return text
      .split('\n')
      .flatMap((line, i) => (line ? splitPlain(piece(line, i === 0 ? sep : '\n', max), max) : []));
  }
  const sentences = splitSentences(text);
  if (sentences.length > 1) {
    return sentences.flatMap((sentence, i) => splitPlain(piece(sentence, i === 0 ? sep : ' ', max), max));
  }
  return packWords(text, max, sep);
}

/**
 * The end of a chunk's text, at most `limit` tokens, in whole sentences or lines when possible,
 * and the index of the part it starts in.
 */
function tailOf(parts: Piece[], limit: number): { tail: Piece[]; from: number } {
  const tail: Piece[] = [];
  let used = 0;
  let from = parts.length - 1;
  for (let i = parts.length - 1; i >= 0; i--) {
    from = i;
    const part = parts[i]!;
    if (used + part.tokens + SEPARATOR_TOKENS[part.sep] <= limit) {
      tail.unshift(part);
      used += part.tokens + SEPARATOR_TOKENS[part.sep];
      continue;
    }
    // The last part is too long to repeat whole: its last lines or sentences, counted from the
    // end only as far as needed (not the whole paragraph), else its last words.
    if (tail.length === 0) {
      const units = part.text.includes('\n') ? part.text.split('\n') : splitSentences(part.text);
      const unitSep: Separator = part.text.includes('\n') ? '\n' : ' ';
      for (let j = units.length - 1; j > 0; j--) {
        const sub = { ...piece(units[j]!, unitSep), code: part.code };
        if (used + sub.tokens + SEPARATOR_TOKENS[sub.sep] > limit) break;
        tail.unshift(sub);
        used += sub.tokens + SEPARATOR_TOKENS[sub.sep];
      }
      if (tail.length === 0) {
        const words = splitWords(part.text);
        const kept: string[] = [];
        while (
          words.length > 0 &&
          countTokens(` ${[words[words.length - 1]!, ...kept].join(' ')}`) <= limit
        ) {
          kept.unshift(words.pop()!);
        }
        if (kept.length > 0) tail.push({ ...piece(kept.join(' '), ' '), code: part.code });
      }
    } else from = i + 1;
    break;
  }
  return { tail, from };
}

/** A chunk's text: its parts with their separators, each run of code lines fenced. */
function render(parts: Piece[]): string {
  let text = '';
  parts.forEach((part, i) => {
    const before = parts[i - 1];
    if (before) text += part.sep;
    if (part.code && !before?.code) text += `${FENCE}\n`;
    text += part.text;
    if (part.code && !parts[i + 1]?.code) text += `\n${FENCE}`;
  });
  return text;
}

function resolveOptions(options: ChunkOptions): { target: number; overlap: number } {
  const target = options.targetTokens ?? DEFAULT_TARGET_TOKENS;
  const overlap = options.overlapTokens ?? DEFAULT_OVERLAP_TOKENS;
  if (!Number.isInteger(target) || target < 16)
    throw new RangeError(`targetTokens must be an integer >= 16, got ${target}`);
  if (!Number.isInteger(overlap) || overlap < 0)
    throw new RangeError(`overlapTokens must be an integer >= 0, got ${overlap}`);
  // An overlap of half a chunk or more would leave no room for new text.
  return { target, overlap: Math.min(overlap, Math.floor(target / 2)) };
}

/** Headings a section adds below the path it shares with the previous one, as one text line. */
function headingLine(previous: string[], next: string[]): string {
  let shared = 0;
  while (shared < previous.length && shared < next.length && previous[shared] === next[shared]) shared++;
  return next.slice(shared).join(' > ');
}

/** Whether `path` is below `parent` in the heading tree. */
function isWithin(path: string[], parent: string[]): boolean {
  return path.length > parent.length && parent.every((heading, i) => path[i] === heading);
}

/** Splits a document's sections into chunks; deterministic for a given document and options. */
export function chunkDocument(doc: ExtractedDocument, options: ChunkOptions = {}): Chunk[] {
  const { target, overlap } = resolveOptions(options);
  const chunks: Chunk[] = [];
  let parts: Piece[] = [];
  /** The section each part comes from, for the page and headings of a chunk starting with it. */
  let origins: Section[] = [];
  let used = 0;
  let pendingOverlap: Piece[] = [];
  let head: Section | null = null;
  let last: Section | null = null;

  let overlapOrigin: Section | null = null;
  const push = (next: Piece, origin: Section): void => {
    used += costAfter(next, parts.at(-1) ?? null);
    parts.push(next);
    origins.push(origin);
  };
  const add = (next: Piece): void => {
    if (parts.length === 0) for (const kept of pendingOverlap) push(kept, overlapOrigin ?? last!);
    pendingOverlap = [];
    push(next, last!);
  };
  const fits = (next: Piece): boolean => {
    if (parts.length > 0) return used + costAfter(next, parts.at(-1)!) <= target;
    let start = 0;
    let before: Piece | null = null;
    for (const kept of pendingOverlap) {
      start += costAfter(kept, before);
      before = kept;
    }
    return start + costAfter(next, before) <= target;
  };
  const close = (withOverlap: boolean): void => {
    if (parts.length === 0 || head === null) return;
    const text = render(parts);
    const tokens = parts.length === 1 && !parts[0]!.code ? parts[0]!.tokens : countTokens(text);
    chunks.push({
      index: chunks.length,
      text,
      headingPath: head.headingPath,
      tokens,
      page: head.page ?? null,
    });
    const { tail, from } = withOverlap && overlap > 0 ? tailOf(parts, overlap) : { tail: [], from: 0 };
    pendingOverlap = tail;
    // The next chunk starts where its overlap comes from (a PDF page may end in the previous one),
    // else in the section being read: not the one this chunk started in.
    overlapOrigin = tail.length > 0 ? origins[from]! : null;
    head = overlapOrigin ?? last;
    parts = [];
    origins = [];
    used = 0;
  };
  const dropOverlap = (): void => {
    pendingOverlap = [];
    if (overlapOrigin !== null && parts.length === 0) head = last;
    overlapOrigin = null;
  };
  const flow = (paragraphs: Piece[]): void => {
    for (const paragraph of paragraphs) {
      if (fits(paragraph)) {
        add(paragraph);
        continue;
      }
      if (
        parts.length > 0 &&
        used >= target * FULL_ENOUGH &&
        costAfter(paragraph, null) + overlap + 1 <= target
      ) {
        close(true);
        if (fits(paragraph)) {
          add(paragraph);
          continue;
        }
      }
      // Lines or sentences, each cut on words only if longer than a whole chunk.
      for (const small of splitToFit(paragraph, target)) {
        if (!fits(small) && parts.length > 0) close(true);
        // A sentence too long to follow the overlap starts its chunk without one.
        if (!fits(small)) dropOverlap();
        add(small);
      }
    }
  };

  for (const section of doc.sections) {
    const paragraphs = paragraphsOf(section.text, target);
    if (paragraphs.length === 0) continue;
    if (parts.length > 0 && head !== null && last !== null) {
      const sectionTokens = paragraphs.reduce((sum, p) => sum + costAfter(p, null) + 1, 0);
      const line = headingLine(last.headingPath, section.headingPath);
      const heading = line ? piece(line, '\n\n') : null;
      const headingTokens = heading ? heading.tokens + 1 : 0;
      const sameTop = (section.headingPath[0] ?? '') === (head.headingPath[0] ?? '');
      // A tiny chunk is an intro: of the document (a reference page's one-line summary before
      // its first section) or of a section, before its first subsection.
      const intro =
        used < target * TINY && (chunks.length === 0 || isWithin(section.headingPath, head.headingPath));
      // A section too small to be worth a chunk of its own ("See Also" and two links) joins the
      // chunk before it even across top-level sections.
      const small = sectionTokens < target * TINY;
      if ((sameTop || intro || small) && used + headingTokens + sectionTokens <= target) {
        if (heading) add(heading);
        for (const paragraph of paragraphs) add(paragraph);
        last = section;
        continue;
      }
      // Sections under the same headings (the pages of a PDF) are one text: keep flowing.
      if (intro || line === '') {
        if (heading) add(heading);
        last = section;
        flow(paragraphs);
        continue;
      }
      close(false);
    }
    pendingOverlap = [];
    overlapOrigin = null;
    head = section;
    last = section;
    flow(paragraphs);
  }
  close(false);
  return chunks;
}

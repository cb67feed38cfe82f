// cl100k_base token counts, exact and fast enough for whole crawls.
//
// js-tiktoken's encode() runs byte-pair merging in JavaScript with string-keyed maps: ~1.2 M
// characters/s measured on the PostgreSQL manual, ~6 s for its 7 M characters of chunks. But
// byte-pair merging never crosses the pieces cl100k's pre-tokenising regex cuts the text into, so
// a text's count is the sum of its pieces' counts, and pieces repeat (words, punctuation,
// indentation): counting through a piece → count cache gives encode()'s numbers (checked on every
// paragraph of the manual) about 8× faster. Cutting the pieces with the regex is then the main
// cost; for ASCII text a hand-written scanner cuts the same pieces twice as fast, and hands over to
// the regex at any character it does not classify itself (non-ASCII, apostrophes).
// Loading the ranks costs ~0.5 s, paid on first use, not at import.
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

/** The regex the scanner must agree with, exported for tests. */
export const PIECE_PATTERN = new RegExp(cl100k.pat_str, 'gu');
const PIECE_AT = new RegExp(cl100k.pat_str, 'yu');
/** Bounded so a long-running server does not keep every string it ever counted. */
const MAX_CACHED = 200_000;

let encoder: Tiktoken | null = null;
const cache = new Map<string, number>();

// ASCII classes of the pattern: letters, digits, horizontal whitespace, line breaks, the rest
// (punctuation, symbols, controls); UNKNOWN sends the piece to the regex.
const OTHER = 0;
const LETTER = 1;
const DIGIT = 2;
const SPACE = 3;
const NEWLINE = 4;
const UNKNOWN = 5;
const CLASSES = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  if (/[A-Za-z]/.test(char)) CLASSES[code] = LETTER;
  else if (/[0-9]/.test(char)) CLASSES[code] = DIGIT;
  else if (char === '\n' || char === '\r') CLASSES[code] = NEWLINE;
  else if (/\s/.test(char)) CLASSES[code] = SPACE;
  // The apostrophe starts contractions ("'ll"), which the regex handles.
  else CLASSES[code] = char === "'" ? UNKNOWN : OTHER;
}

function classAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? CLASSES[code]! : UNKNOWN;
}

/** Runs of one class from `i`; returns the end, or -1 if the run stops at an unknown character. */
function runEnd(text: string, i: number, kind: number): number {
  let j = i;
  while (j < text.length && classAt(text, j) === kind) j++;
  return j < text.length && classAt(text, j) === UNKNOWN ? -1 : j;
}

/**
 * End of the piece starting at `i`, following the cl100k pattern's alternatives in order:
 * contractions | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N}{1,3} | ' ?[^\s\p{L}\p{N}]+[\r\n]*' |
 * \s*[\r\n]+ | \s+(?!\S) | \s+. Returns -1 where the regex must decide.
 */
function pieceEnd(text: string, i: number): number {
  const n = text.length;
  const kind = classAt(text, i);
  if (kind === UNKNOWN) return -1;
  if (kind === LETTER) return runEnd(text, i + 1, LETTER);
  if (kind === DIGIT) {
    let j = i + 1;
    while (j < n && j < i + 3 && classAt(text, j) === DIGIT) j++;
    return j;
  }
  const next = i + 1 < n ? classAt(text, i + 1) : -1;
  if (next === UNKNOWN) return -1;
  if ((kind === OTHER || kind === SPACE) && next === LETTER) return runEnd(text, i + 2, LETTER);
  if (kind === OTHER || (text.charCodeAt(i) === 32 && next === OTHER)) {
    const end = runEnd(text, kind === OTHER ? i + 1 : i + 2, OTHER);
    if (end < 0) return -1;
    let j = end;
    while (j < n && classAt(text, j) === NEWLINE) j++;
    return j;
  }
  // A whitespace run: up to its last line break if it has one; else all of it at the end of the
  // text, else all but its last space (which joins the next word), else the single space.
  let j = i;
  let lastBreak = -1;
  for (; j < n; j++) {
    const c = classAt(text, j);
    if (c === NEWLINE) lastBreak = j;
    else if (c !== SPACE) break;
  }
  if (j < n && classAt(text, j) === UNKNOWN) return -1;
  if (lastBreak >= 0) return lastBreak + 1;
  if (j === n || j - 1 === i) return j;
  return j - 1;
}

function encoded(piece: string): number {
  encoder ??= new Tiktoken(cl100k);
  // Special-token text ("<|endoftext|>") in a document is ordinary text, not a reason to throw.
  return encoder.encode(piece, [], []).length;
}

/** Calls `visit` with each piece of `text`, as PIECE_PATTERN would cut it. */
export function forEachPiece(text: string, visit: (piece: string) => void): void {
  let i = 0;
  while (i < text.length) {
    let end = pieceEnd(text, i);
    if (end < 0) {
      PIECE_AT.lastIndex = i;
      end = i + PIECE_AT.exec(text)![0].length;
    }
    visit(text.slice(i, end));
    i = end;
  }
}

/** Number of cl100k_base tokens in `text`, as tiktoken's encode() would return. */
export function countTokens(text: string): number {
  let total = 0;
  forEachPiece(text, (piece) => {
    let count = cache.get(piece);
    if (count === undefined) {
      count = encoded(piece);
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(piece, count);
    }
    total += count;
  });
  return total;
}

/** The reference count, straight from js-tiktoken (for tests and the benchmark). */
export function countTokensUncached(text: string): number {
  return encoded(text);
}

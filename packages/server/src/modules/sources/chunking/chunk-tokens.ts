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
// Byte-pair merging one piece costs more than the square of its length in js-tiktoken (it
// re-joins every pair of the piece's bytes at every merge): a 16,000-letter "word" took 70 s, a
// paragraph of Chinese (letters with no spaces) longer. Pieces are merged here with each pair's
// rank looked up once (same result, checked against encode()), and a piece longer than
// MAX_PIECE_CHARS is counted in slices of that length: merges never cross a slice, which adds a
// token or so per slice and keeps the cost linear. No word of a natural language is that long.
// Loading the ranks costs ~0.5 s, paid on first use, not at import.
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';

/** The regex the scanner must agree with, exported for tests. */
export const PIECE_PATTERN = new RegExp(cl100k.pat_str, 'gu');
const PIECE_AT = new RegExp(cl100k.pat_str, 'yu');
/** Pieces longer than this are counted in slices of this length (see above). */
const MAX_PIECE_CHARS = 64;
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

const utf8 = new TextEncoder();
/**
 * The encoder's ranks keyed by their bytes as a Latin-1 string (one character per byte): a
 * pair's key is then a substring of the piece's key, not a join of its bytes.
 */
let ranks: Map<string, number> | null | undefined;

function rankTable(tiktoken: Tiktoken): Map<string, number> | null {
  // js-tiktoken keeps its ranks keyed by "104,101"-style byte lists; not part of its types.
  const source = (tiktoken as unknown as { rankMap?: unknown }).rankMap;
  if (!(source instanceof Map)) return null;
  const table = new Map<string, number>();
  for (const [key, rank] of source as Map<string, number>) {
    table.set(String.fromCharCode(...key.split(',').map(Number)), rank);
  }
  return table;
}

/** Tokens of one piece, as encode() counts them. */
function encoded(piece: string): number {
  encoder ??= new Tiktoken(cl100k);
  if (ranks === undefined) ranks = rankTable(encoder);
  // Special-token text ("<|endoftext|>") in a document is ordinary text, not a reason to throw.
  if (!ranks) return encoder.encode(piece, [], []).length;
  const bytes = utf8.encode(piece);
  const key = bytes.length < 4096 ? String.fromCharCode(...bytes) : Buffer.from(bytes).toString('latin1');
  if (key.length <= 1 || ranks.has(key)) return key.length === 0 ? 0 : 1;
  return mergedParts(key, ranks);
}

/**
 * Byte-pair merging as js-tiktoken does it (merge the leftmost pair of lowest rank until no pair
 * has a rank), returning the number of parts left. Each pair's rank is looked up once and again
 * only when a merge changes it, where js-tiktoken re-joins every pair at every step.
 */
function mergedParts(key: string, table: Map<string, number>): number {
  const starts = Array.from({ length: key.length }, (_, i) => i);
  const pairRank = (i: number): number => {
    const end = i + 2 < starts.length ? starts[i + 2]! : key.length;
    return table.get(key.slice(starts[i]!, end)) ?? Number.POSITIVE_INFINITY;
  };
  const rank: number[] = [];
  for (let i = 0; i < starts.length - 1; i++) rank.push(pairRank(i));
  while (rank.length > 0) {
    let best = 0;
    for (let i = 1; i < rank.length; i++) if (rank[i]! < rank[best]!) best = i;
    if (rank[best] === Number.POSITIVE_INFINITY) break;
    starts.splice(best + 1, 1);
    rank.splice(best, 1);
    if (best > 0) rank[best - 1] = pairRank(best - 1);
    if (best < rank.length) rank[best] = pairRank(best);
  }
  return starts.length;
}

/** Calls `visit` with each piece of `text`, as PIECE_PATTERN would cut it, until it returns false. */
export function forEachPiece(text: string, visit: (piece: string) => unknown): void {
  let i = 0;
  while (i < text.length) {
    let end = pieceEnd(text, i);
    if (end < 0) {
      PIECE_AT.lastIndex = i;
      end = i + PIECE_AT.exec(text)![0].length;
    }
    if (visit(text.slice(i, end)) === false) return;
    i = end;
  }
}

function countPiece(piece: string): number {
  let count = cache.get(piece);
  if (count === undefined) {
    count = encoded(piece);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(piece, count);
  }
  return count;
}

/**
 * Calls `visit` with each unit of `text` and its tokens, until it returns false: the pieces of
 * the pattern, and a piece longer than MAX_PIECE_CHARS in slices of that length. Joined, the
 * units give back the text; their counts add up to countTokens(text).
 */
export function forEachCountedUnit(text: string, visit: (unit: string, tokens: number) => unknown): void {
  forEachPiece(text, (piece) => {
    if (piece.length <= MAX_PIECE_CHARS) return visit(piece, countPiece(piece));
    let start = 0;
    while (start < piece.length) {
      let end = Math.min(start + MAX_PIECE_CHARS, piece.length);
      // A slice never splits a surrogate pair: that would count two broken characters.
      const last = piece.charCodeAt(end - 1);
      if (end < piece.length && last >= 0xd800 && last <= 0xdbff) end--;
      const slice = piece.slice(start, end);
      if (visit(slice, countPiece(slice)) === false) return false;
      start = end;
    }
    return true;
  });
}

/**
 * Number of cl100k_base tokens in `text`, as tiktoken's encode() would return (a few more for
 * pieces longer than any word). With `stopAbove`, counting stops once the total passes it and
 * the total so far is returned: enough to know that a text does not fit, without reading it all.
 */
export function countTokens(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let total = 0;
  forEachCountedUnit(text, (_, tokens) => {
    total += tokens;
    return total <= stopAbove;
  });
  return total;
}

/** The reference count, straight from js-tiktoken (for tests and the benchmark). */
export function countTokensUncached(text: string): number {
  encoder ??= new Tiktoken(cl100k);
  return encoder.encode(text, [], []).length;
}

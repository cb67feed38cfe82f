// Sentence and word boundaries for the chunker: where a paragraph may be cut when it does not fit
// in one chunk. Errs on the side of not splitting: a missed boundary only makes a unit longer,
// a false one cuts "e.g. this" in two.

/** Words that end with a period without ending the sentence (compared lower-cased, no period). */
const ABBREVIATIONS = new Set(
  (
    'e.g i.e etc vs cf al approx ca mr mrs ms dr prof sr jr st mt no nos fig figs eq vol ed eds pp ' +
    'inc ltd co corp dept est jan feb mar apr jun jul aug sep sept oct nov dec ref refs sec resp viz'
  ).split(' '),
);

/** End punctuation, closing quotes or brackets, whitespace, then what can start a sentence. */
const BOUNDARY = /[.!?…]+["'”’»)\]]*\s+(?=["'“‘«([¿¡]?[\p{Lu}\p{N}])/gu;
/** CJK full stops end a sentence without a following space. */
const CJK_STOP = /[。！？]/u;

function endsWithAbbreviation(text: string): boolean {
  const match = /(?:^|[\s(["'“‘])([\p{L}.]+)\.$/u.exec(text);
  if (!match) return false;
  const word = match[1]!;
  // Initials ("J. Smith") and dotted abbreviations ("U.S.") are not sentence ends.
  if (/^\p{L}$/u.test(word) || /^(?:\p{L}\.)+\p{L}$/u.test(word)) return true;
  return ABBREVIATIONS.has(word.toLowerCase());
}

/**
 * Splits prose into sentences; the sentences joined with single spaces give back the text (for
 * text whose whitespace is already collapsed, as extraction leaves it).
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of text.matchAll(BOUNDARY)) {
    const punctuationEnd = match.index + match[0].trimEnd().length;
    const candidate = text.slice(start, punctuationEnd);
    if (candidate.trim() === '' || endsWithAbbreviation(candidate)) continue;
    sentences.push(candidate.trim());
    start = match.index + match[0].length;
  }
  const rest = text.slice(start).trim();
  if (rest) sentences.push(rest);
  if (!CJK_STOP.test(text)) return sentences;
  return sentences.flatMap((sentence) =>
    sentence
      .split(/(?<=[。！？][」』”’）]*)(?![」』”’）])/u)
      .map((part) => part.trim())
      .filter(Boolean),
  );
}

/** Words, for a sentence longer than a whole chunk. */
export function splitWords(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

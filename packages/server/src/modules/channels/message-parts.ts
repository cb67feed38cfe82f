// A reply longer than a platform takes in one message (Telegram and WhatsApp 4,096 characters,
// Slack 4,000) goes out as several, in order: cut where a reader would pause (between paragraphs,
// then lines, then sentences, then words), never inside a character, and with nothing dropped.

/** Where a cut is good enough: not before half the room, so that parts are not needlessly short. */
const MIN_FILL = 0.5;
const SENTENCE_END = /[.!?…]["'”’)\]]*(?=\s)/g;

/** The longest prefix of `text` (in UTF-16 units, never halving a surrogate pair) within `limit`. */
function room(text: string, limit: number, measure: (text: string) => number): number {
  let low = 0;
  let high = Math.min(text.length, limit);
  // The measure grows with the prefix: the last length that fits, by bisection.
  if (measure(text.slice(0, high)) > limit) {
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (measure(text.slice(0, middle)) <= limit) low = middle;
      else high = middle - 1;
    }
  } else {
    low = high;
  }
  const code = text.charCodeAt(low - 1);
  return low > 0 && low < text.length && code >= 0xd800 && code <= 0xdbff ? low - 1 : low;
}

/** Where to end the next part of `text`, at most `fits` units in. */
function cutAt(text: string, fits: number): number {
  const least = Math.floor(fits * MIN_FILL);
  const paragraph = text.lastIndexOf('\n\n', fits);
  if (paragraph >= least && paragraph > 0) return paragraph;
  const line = text.lastIndexOf('\n', fits);
  if (line >= least && line > 0) return line;
  let sentence = -1;
  for (const match of text.slice(0, fits + 1).matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length;
    if (end <= fits) sentence = end;
  }
  if (sentence >= least && sentence > 0) return sentence;
  const window = text.slice(0, fits + 1);
  const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\n'), window.lastIndexOf('\t'));
  if (space > 0) return space;
  return Math.max(fits, 1);
}

/**
 * `text` as parts of at most `limit` each, as `measure` counts (UTF-16 units by default, which
 * is never fewer than the platform's characters), in order, trimmed at the cuts.
 */
export function splitMessage(
  text: string,
  limit: number,
  measure: (text: string) => number = (value) => value.length,
): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest && measure(rest) > limit) {
    const cut = cutAt(rest, room(rest, limit, measure));
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** The parts a stored reply payload holds: `parts` when it was split, else its one `text`. */
export function partsOf(payload: Record<string, unknown>): string[] {
  return Array.isArray(payload.parts) ? payload.parts.map(String) : [String(payload.text ?? '')];
}

/** A reply payload for one target: its text, or its parts when there are several. */
export function textPayload(target: Record<string, unknown>, parts: string[]): Record<string, unknown> {
  return parts.length > 1 ? { ...target, parts } : { ...target, text: parts[0] ?? '' };
}

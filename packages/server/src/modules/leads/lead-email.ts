// Email addresses in free text: what a visitor types in chat ("reach me at ana@example.com").

// A dotted local part, `@`, dotted domain labels and an alphabetic top-level domain. The
// look-behind keeps the match from starting inside a longer token; the look-ahead keeps it from
// stopping inside one (so "ana@example.com." ends before the full stop, "ana@example.c0m" fails).
const IN_TEXT =
  /(?<![a-z0-9_%+.-])[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?![a-z0-9_-]|\.[a-z0-9])/gi;

// The same shape as the API's `format: email` (ajv-formats), so a lead captured from chat and
// one sent to the API obey one rule.
const WHOLE =
  /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export const MAX_EMAIL_LENGTH = 320;
const MAX_LOCAL_PART = 64;

/** The first plausible email address in the text, as written, or null. */
export function findEmail(text: string): string | null {
  for (const match of text.matchAll(IN_TEXT)) {
    const candidate = match[0];
    const local = candidate.slice(0, candidate.indexOf('@'));
    if (candidate.length <= MAX_EMAIL_LENGTH && local.length <= MAX_LOCAL_PART) return candidate;
  }
  return null;
}

/** Whether a whole value is an email address the API accepts. */
export function isEmail(value: string): boolean {
  return value.length <= MAX_EMAIL_LENGTH && WHOLE.test(value);
}

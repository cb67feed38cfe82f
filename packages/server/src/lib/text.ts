// Text measured as people read it.

/**
 * The number of Unicode code points: what "characters" means in every limit the API states, as
 * JSON Schema's maxLength counts them. `String.length` counts UTF-16 units, two per emoji.
 */
export function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    length++;
  }
  return length;
}

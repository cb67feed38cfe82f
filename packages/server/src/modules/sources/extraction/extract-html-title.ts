// The title a user would give the page: og:title or <title> without the " | Site name" that sites
// append (or prepend), else the first heading. Kept apart from extract-html.ts because the rules
// are fiddly and worth their own tests.

const SEPARATOR_GLOBAL = /\s+(?:[|·•»«›‹~]|::|-{1,2}|[–—])\s+/g;

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\s\u00a0]+/g, ' ')
    .trim();
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export interface TitleHints {
  /** og:site_name or application-name, when the page declares it. */
  siteName?: string | null;
  /** The page's first headings (its h1, the first h2…), most important first. */
  headings?: string[];
}

/**
 * Removes a site-name part from a page title. A part is only dropped when we have evidence it is
 * the site name (declared site name, or the page heading is the other part), or when it is a short
 * trailing part after a title of several words ("Refund policy | Acme Help Center").
 */
export function cleanTitle(raw: string, hints: TitleHints = {}): string {
  // Zero-width spaces are how generators allow line breaks in long identifiers.
  const title = raw
    .replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, '')
    .replace(/[\s\u00a0]+/g, ' ')
    .trim();
  if (!title) return '';
  const headings = (hints.headings ?? []).map((h) => h.replace(/[\s\u00a0]+/g, ' ').trim()).filter(Boolean);
  const t = normalise(title);
  if (headings.some((h) => normalise(h) === t)) return title;

  const parts = titleParts(title);
  const separators = title.match(SEPARATOR_GLOBAL) ?? [];
  const join = (from: number, to: number): string => {
    let out = parts[from]!;
    for (let i = from + 1; i < to; i++) out += separators[i - 1]! + parts[i]!;
    return out;
  };

  // Parts that are headings of the page; when several are ("DNS | Node.js Documentation" with the
  // site name as h1 and "DNS" as h2), the first part is the page: sites append their name.
  const normalisedHeadings = new Set(headings.map(normalise));
  const matching = parts.filter((part) => normalisedHeadings.has(normalise(part)));
  if (matching.length > 0) return matching[0]!;
  // A heading wrapped in the site's name with other separators ("Acme: Docs: 2.6. Joins").
  for (const heading of headings) {
    const h = normalise(heading);
    if (t.endsWith(h) && /[|:·•»›~\-–—]\s*$/.test(t.slice(0, t.length - h.length))) return heading;
    if (t.startsWith(h) && /^\s*[|:·•»›~\-–—]/.test(t.slice(h.length))) return heading;
  }

  if (parts.length < 2) return title;
  const site = hints.siteName ? normalise(hints.siteName) : '';
  if (site) {
    if (normalise(parts[parts.length - 1]!) === site) return join(0, parts.length - 1);
    if (normalise(parts[0]!) === site) return join(1, parts.length);
  }
  const last = parts[parts.length - 1]!;
  const rest = join(0, parts.length - 1);
  if (words(last) <= 4 && words(rest) >= 2) return rest;
  return title;
}

/** The parts of a title between separators ("Refunds | Help | Acme" → 3 parts). */
export function titleParts(raw: string): string[] {
  return raw
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()
    .split(SEPARATOR_GLOBAL);
}

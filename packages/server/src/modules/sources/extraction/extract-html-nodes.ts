// The DOM reading that the HTML walker (extract-html-sections.ts) and its table and definition-list
// rendering (extract-html-tables.ts) share: which elements carry text, hidden content, whitespace.
export const ELEMENT = 1;
export const TEXT = 3;
export const CDATA = 4;

/** Elements that never carry readable text (or only carry widget labels). */
const SKIPPED = new Set(
  (
    'script style noscript template svg math canvas iframe object embed video audio img picture ' +
    'button input select textarea option head title meta link'
  ).split(' '),
);

/** Permalink glyphs that documentation generators append to headings (Sphinx ¶, Node.js #). */
const HEADING_ANCHOR = /\s*[#¶§🔗]+\s*$/u;
export const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/g;
export const HARD_BREAK = '\u2028';

/** Receives the blocks of a subtree; headings only matter at the top level of the content. */
export interface Sink {
  block(text: string): void;
  heading(level: number, text: string): void;
}

/** Collapses HTML whitespace (non-breaking spaces included) but keeps <br> line breaks. */
export function collapseInline(raw: string): string {
  return raw
    .replace(INVISIBLE, '')
    .replace(/[\s\u00a0]+/g, (run) => (run.includes(HARD_BREAK) ? '\n' : ' '))
    .replace(/ *\n */g, '\n')
    .trim();
}

export function tagOf(el: Element): string {
  return el.localName.toLowerCase();
}

/**
 * Hidden until the reader clicks: inactive tabs ("Windows" steps beside "macOS") and closed
 * accordion panels (the answers of an FAQ) are content a support bot needs.
 */
const REVEALABLE =
  /(?:^|[\s_-])(?:tab|tabs|tabpanel|tab-panel|panel|accordion|collapse|collapsible|answer|faq|expandable|disclosure|spoiler)(?:$|[\s_-])/i;

/** Hidden from every reader (hidden attribute, display:none), unless it is revealable content. */
export function isHidden(el: Element): boolean {
  let hidden = el.hasAttribute('hidden');
  if (!hidden) {
    const style = el.getAttribute('style');
    hidden = style !== null && /(?:display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style);
  }
  if (!hidden && el.getAttribute('aria-hidden') === 'true') {
    // Decorative icons and duplicates are aria-hidden; a page wrapper hidden while a consent
    // dialog is open is not, and holds headings.
    hidden = el.querySelector('h1, h2, h3') === null;
  }
  if (!hidden) return false;
  const role = el.getAttribute('role');
  if (role === 'tabpanel' || role === 'region') return false;
  return !REVEALABLE.test(`${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`);
}

/**
 * Elements whose text is not content: scripts, media, form controls, hidden elements. A button
 * that opens a panel (aria-expanded, aria-controls) is the exception: in an FAQ accordion its
 * label is the question.
 */
export function isSkipped(el: Element, tag: string): boolean {
  if (SKIPPED.has(tag)) {
    return !(tag === 'button' && (el.hasAttribute('aria-expanded') || el.hasAttribute('aria-controls')));
  }
  return isHidden(el);
}

/** A heading's text on one line, without the permalink glyph generators append. */
export function headingLabel(el: Element): string {
  return collapseInline(textWithBreaks(el)).replace(/\n/g, ' ').replace(HEADING_ANCHOR, '');
}

/** textContent, but with <br> kept as a line break (terms, addresses, table cells). */
export function textWithBreaks(el: Element): string {
  if (el.querySelector('br') === null) return el.textContent ?? '';
  const parts: string[] = [];
  const visit = (parent: Element): void => {
    for (let node = parent.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === TEXT || node.nodeType === CDATA) parts.push(node.nodeValue ?? '');
      else if (node.nodeType === ELEMENT) {
        const child = node as Element;
        if (tagOf(child) === 'br') parts.push(HARD_BREAK);
        else if (!isSkipped(child, tagOf(child))) visit(child);
      }
    }
  };
  visit(el);
  return parts.join('');
}

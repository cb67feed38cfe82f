// Finds the main content of an HTML page: the part a reader came for, without the navigation,
// banners, sidebars and footers around it. Cheapest reliable signal first:
//  1. Remove boilerplate everywhere: nav/aside/footer/forms, ARIA landmarks that are not content,
//     hidden elements, and elements whose class or id names navigation, cookie banners, sidebars…
//  2. An explicit <main>/[role=main] or a lone <article> is the content: the author said so.
//  3. Otherwise the deepest element that holds nearly all the page's non-link text is the content
//     (the PostgreSQL manual's div.sect1 once its navigation tables are gone); link-dense blocks
//     inside it (related links, tag clouds) are dropped.
//  4. Only on a page that names none of its parts (no landmark, no nav/footer/sidebar by tag, role,
//     class or id) and whose text splits into one big region beside smaller ones (content beside
//     an anonymous sidebar) is Readability asked to score them, on a fresh parse since it
//     rewrites its DOM.
// Readability is not the first choice because on linkedom it costs ~25 ms per page of the
// PostgreSQL manual (~30 s for the 1,170 pages, above the whole extraction budget) and, on
// documentation, drops content its heuristics take for clutter (page headings, small tables).
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { isHidden } from './extract-html-nodes.ts';

export type ContentSource = 'landmark' | 'container' | 'readability' | 'body';

const REMOVED_TAGS = new Set(['nav', 'aside', 'footer', 'form', 'dialog', 'menu', 'noscript', 'template']);
const REMOVED_ROLES = new Set([
  'navigation',
  'banner',
  'contentinfo',
  'complementary',
  'search',
  'menu',
  'menubar',
  'dialog',
  'alertdialog',
  'toolbar',
]);
/** Words of a class or id that name page furniture that is never content, whatever its size. */
const FURNITURE_WORDS = new Set(
  (
    'nav navbar navheader navfooter navigation topnav sidenav subnav breadcrumb breadcrumbs cookie cookies ' +
    'consent gdpr skiplink share sharing social pagination pager toc'
  ).split(' '),
);
/**
 * Words that usually name furniture but also turn up on content wrappers ("has-sidebar",
 * "page-header" around the title, "menu" on a restaurant's menu): removed only when small.
 */
const LIKELY_FURNITURE_WORDS = new Set(
  'menu menubar sidebar header footer masthead newsletter comments advert advertisement popup modal banner'.split(
    ' ',
  ),
);
/** Screen-reader-only text: "Skip to content", "(opens in a new tab)". */
const SCREEN_READER_ONLY = /(?:^|\s)(?:sr-only|visually-hidden|visuallyhidden|screen-reader-text)(?:\s|$)/;
const ADMONITION = /(?:^|\s)(?:note|tip|hint|warning|caution|important|admonition|callout)(?:\s|$)/i;
/** Main content with fewer visible characters than this is "too little". */
const MIN_CONTENT = 200;
/** Share of the page's non-link text a container must hold to be taken as the content. */
const DOMINANT = 0.9;

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

/** "mainNav", "site-header", "cookie_banner" → lower-case words. */
function nameWords(name: string | null): string[] {
  if (!name) return [];
  return name
    .split(/[^a-zA-Z0-9]+|(?<=[a-z])(?=[A-Z])/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

/** Characters a reader sees (whitespace runs count for nothing): cheap, no string copies. */
function visibleChars(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 32 && code !== 160) count++;
  }
  return count;
}

interface Measure {
  text: number;
  link: number;
}

/** Visible text and link text of every element under root, in one pass. */
function measure(root: Element): Map<Element, Measure> {
  const sizes = new Map<Element, Measure>();
  const visit = (el: Element, inLink: boolean): Measure => {
    const m: Measure = { text: 0, link: 0 };
    const linked = inLink || el.localName === 'a';
    for (let node = el.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === TEXT || node.nodeType === CDATA) {
        const n = visibleChars(node.nodeValue ?? '');
        m.text += n;
        if (linked) m.link += n;
      } else if (node.nodeType === ELEMENT) {
        const child = visit(node as Element, linked);
        m.text += child.text;
        m.link += child.link;
      }
    }
    sizes.set(el, m);
    return m;
  };
  visit(root, false);
  return sizes;
}

/** Layout regions that old sites name by id ("#sidebar", "#left-menu"), headings or not. */
const LAYOUT_ID_WORDS = new Set(
  'sidebar footer header nav navbar navigation menu topmenu sidenav masthead banner breadcrumbs comments'.split(
    ' ',
  ),
);

/**
 * Ids name sections as often as layout ("#sql-for-update-share", "#cookies" on a privacy page),
 * so an id counts as furniture on an element without headings, or when it is a short layout
 * name ("#sidebar" around "Categories").
 */
function furnitureId(el: Element, ids: string[]): boolean {
  if (!ids.some((word) => FURNITURE_WORDS.has(word) || LIKELY_FURNITURE_WORDS.has(word))) return false;
  if (el.querySelector('h1, h2, h3, h4, h5, h6') === null) return true;
  return ids.length <= 2 && ids.some((word) => LAYOUT_ID_WORDS.has(word));
}

interface Cleaned {
  /** How many subtrees were removed as named furniture (by tag, role, class or id). */
  named: number;
  /** The page's <main> (or [role=main]), else its only <article>, outside removed parts. */
  landmark: Element | null;
}

/**
 * Removes boilerplate subtrees in place; returns how many were named furniture, and the content
 * landmark seen. Removal by class/id name spares an
 * element that holds the page's h1, and for the ambiguous words one that holds half the page's
 * text: that is the content wrapper, whatever its class says.
 */
export function removeBoilerplate(body: Element): Cleaned {
  let bodyLength = -1;
  let main: Element | null = null;
  let named = 0;
  const articles: Element[] = [];
  const doomed: Element[] = [];
  const stack: Element[] = [];
  for (let child = body.lastElementChild; child; child = child.previousElementSibling) stack.push(child);
  while (stack.length > 0) {
    const el = stack.pop()!;
    const tag = el.localName;
    const role = el.getAttribute('role');
    if (isHidden(el) || SCREEN_READER_ONLY.test(el.getAttribute('class') ?? '')) {
      doomed.push(el);
      continue;
    }
    let remove =
      (REMOVED_TAGS.has(tag) && !(tag === 'aside' && ADMONITION.test(el.getAttribute('class') ?? ''))) ||
      (role !== null && REMOVED_ROLES.has(role));
    if (!remove) {
      const classes = nameWords(el.getAttribute('class'));
      const ids = nameWords(el.getAttribute('id'));
      if (classes.some((word) => FURNITURE_WORDS.has(word))) remove = el.querySelector('h1') === null;
      else if (
        tag === 'header' ||
        classes.some((word) => LIKELY_FURNITURE_WORDS.has(word)) ||
        furnitureId(el, ids)
      ) {
        if (bodyLength < 0) bodyLength = visibleChars(body.textContent ?? '');
        remove = el.querySelector('h1') === null && visibleChars(el.textContent ?? '') < bodyLength / 2;
      }
    }
    if (remove) {
      doomed.push(el);
      named++;
      continue;
    }
    if (tag === 'main' || role === 'main') main ??= el;
    else if (tag === 'article') articles.push(el);
    for (let child = el.lastElementChild; child; child = child.previousElementSibling) stack.push(child);
  }
  for (const el of doomed) el.remove();
  // Several articles side by side is a listing (blog index), not one article.
  return { named, landmark: main ?? (articles.length === 1 ? articles[0]! : null) };
}

/** Elements that are one unit of content: the container search never descends into them. */
const UNITS = new Set('h1 h2 h3 h4 h5 h6 table thead tbody tr td th ul ol li dl dt dd pre p'.split(' '));

/**
 * The deepest element holding at least DOMINANT of the page's non-link text. It never descends
 * past a heading (a section's title and intro are content even when a big table follows) nor into
 * a table or list (a page that is mostly one table is still a page).
 */
function dominantContainer(body: Element, prose: (el: Element) => number): Element {
  const total = prose(body);
  let container = body;
  for (;;) {
    let next: Element | null = null;
    let headingBeside = false;
    for (let child = container.firstElementChild; child; child = child.nextElementSibling) {
      if (!next && prose(child) >= total * DOMINANT) next = child;
      else if (/^h[1-6]$/.test(child.localName) || child.querySelector('h1, h2, h3, h4, h5, h6'))
        headingBeside = true;
    }
    if (!next || headingBeside || UNITS.has(next.localName)) return container;
    container = next;
  }
}

/**
 * A page that named none of its parts (no landmark, nothing removed as navigation, banner or
 * footer) and whose content splits into one big region beside smaller wordy ones may be content
 * beside a sidebar in anonymous divs: the case Readability's scoring exists for.
 */
function looksSplit(container: Element, prose: (el: Element) => number): boolean {
  const total = prose(container);
  if (total === 0) return false;
  let largest = 0;
  for (let child = container.firstElementChild; child; child = child.nextElementSibling) {
    largest = Math.max(largest, prose(child));
  }
  return largest >= total * 0.5 && largest < total * DOMINANT;
}

/**
 * Inside the content, untitled blocks that are mostly links (tag lists, "share" bars, link rows)
 * are page furniture, unless they are a large part of the content (a documentation index page).
 */
function pruneLinkBlocks(root: Element, sizes: Map<Element, Measure>): void {
  const rootSize = sizes.get(root)?.text ?? 0;
  const doomed: Element[] = [];
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    for (let child = el.firstElementChild; child; child = child.nextElementSibling) {
      const tag = child.localName;
      const m = sizes.get(child);
      if (!m || m.text === 0) continue;
      const blockish = tag === 'ul' || tag === 'ol' || tag === 'div' || tag === 'section' || tag === 'table';
      if (
        blockish &&
        m.link / m.text >= 0.75 &&
        m.text < rootSize * 0.2 &&
        linkCount(child) >= 3 &&
        // A titled block ("See Also" with its links) is a section of the document.
        child.querySelector('h1, h2, h3, h4, h5, h6') === null
      ) {
        doomed.push(child);
      } else stack.push(child);
    }
  }
  for (const el of doomed) el.remove();
}

function linkCount(el: Element): number {
  return el.getElementsByTagName('a').length;
}

function readabilityContent(html: string): Element | null {
  const { document } = parseHTML(html);
  try {
    const article = new Readability<Element>(document, {
      serializer: (node) => node as Element,
      disableJSONLD: true,
      keepClasses: true,
    }).parse();
    return article?.content ?? null;
  } catch {
    // Readability throws on documents it cannot handle; the cleaned body is still an answer.
    return null;
  }
}

/**
 * The main-content element of a parsed page. Mutates the page's DOM (boilerplate is removed), so
 * read metadata and links before calling it. `html` is the source, for Readability's own parse.
 */
export function chooseMainContent(body: Element, html: string): { root: Element; source: ContentSource } {
  const fullLength = visibleChars(body.textContent ?? '');
  const { named, landmark: main } = removeBoilerplate(body);
  if (main) {
    const length = visibleChars(main.textContent ?? '');
    if (length >= MIN_CONTENT || length >= fullLength / 2) {
      pruneLinkBlocks(main, measure(main));
      return { root: main, source: 'landmark' };
    }
  }
  const sizes = measure(body);
  const prose = (el: Element): number => {
    const m = sizes.get(el);
    return m ? m.text - m.link : 0;
  };
  const container = dominantContainer(body, prose);
  const source = container === body ? 'body' : 'container';
  // A page that names its furniture is structured: what is left is its content, even when one
  // subsection is most of it (430 pages of the PostgreSQL manual would "look split").
  if (named > 0 || !looksSplit(container, prose)) {
    pruneLinkBlocks(container, sizes);
    return { root: container, source };
  }
  const readable = readabilityContent(html);
  if (readable && visibleChars(readable.textContent ?? '') >= MIN_CONTENT) {
    return { root: readable, source: 'readability' };
  }
  pruneLinkBlocks(container, sizes);
  return { root: container, source };
}

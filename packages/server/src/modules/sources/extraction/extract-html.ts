// HTML pages: metadata and links from the whole page, sections from its main content only
// (chosen by extract-html-content.ts, walked by extract-html-sections.ts).
import { parseHTML } from 'linkedom';
import type { ExtractedDocument } from '../source-types.ts';
import { chooseMainContent } from './extract-html-content.ts';
import { headingLabel } from './extract-html-nodes.ts';
import { sectionsFromDom } from './extract-html-sections.ts';
import { cleanTitle, titleParts } from './extract-html-title.ts';

export interface HtmlExtractOptions {
  /** The page URL: base for relative links and the canonical URL. */
  url: string | null;
  /** Used as the title when the page has none. */
  fallbackTitle?: string;
}

function resolveUrl(href: string, base: string | null): string | null {
  try {
    const url = base ? new URL(href.trim(), base) : new URL(href.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    url.hash = '';
    return url.href;
  } catch {
    return null;
  }
}

/** What the page says about itself, read in one pass over its elements. */
interface PageMeta {
  hrefs: string[];
  baseHref: string | null;
  canonicalHref: string | null;
  title: string;
  ogTitle: string | null;
  siteName: string | null;
  noindex: boolean;
  nofollow: boolean;
}

/**
 * One walk over every element: each getElementsByTagName() call walks the whole linkedom tree,
 * and a page needs a, area, meta, link, title and base.
 */
function scanPage(document: Document): PageMeta {
  const meta: PageMeta = {
    hrefs: [],
    baseHref: null,
    canonicalHref: null,
    title: '',
    ogTitle: null,
    siteName: null,
    noindex: false,
    nofollow: false,
  };
  let applicationName: string | null = null;
  const stack: Element[] = document.documentElement ? [document.documentElement] : [];
  while (stack.length > 0) {
    const el = stack.pop()!;
    switch (el.localName) {
      case 'a':
      case 'area': {
        const href = el.getAttribute('href');
        if (href && !href.startsWith('#')) meta.hrefs.push(href);
        break;
      }
      case 'base':
        meta.baseHref ??= el.getAttribute('href');
        break;
      case 'title':
        if (!meta.title) meta.title = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
        break;
      case 'link':
        if (
          !meta.canonicalHref &&
          (el.getAttribute('rel') ?? '').toLowerCase().split(/\s+/).includes('canonical')
        ) {
          meta.canonicalHref = el.getAttribute('href');
        }
        break;
      case 'meta': {
        const name = (el.getAttribute('name') ?? el.getAttribute('property') ?? '').toLowerCase();
        const content = (el.getAttribute('content') ?? '').trim();
        if (name === 'robots') {
          const directives = content.toLowerCase().split(/[\s,]+/);
          if (directives.includes('noindex') || directives.includes('none')) meta.noindex = true;
          if (directives.includes('nofollow') || directives.includes('none')) meta.nofollow = true;
        } else if (content && name === 'og:title') meta.ogTitle ??= content;
        else if (content && name === 'og:site_name') meta.siteName ??= content;
        else if (content && name === 'application-name') applicationName ??= content;
        break;
      }
    }
    // Last child pushed first, so elements are visited in document order.
    for (let child = el.lastElementChild; child; child = child.previousElementSibling) stack.push(child);
  }
  meta.siteName ??= applicationName;
  return meta;
}

function resolveLinks(hrefs: string[], base: string | null): string[] {
  const links = new Set<string>();
  for (const href of hrefs) {
    const url = resolveUrl(href, base);
    if (url) links.add(url);
  }
  return [...links];
}

function headingText(el: Element | null | undefined): string {
  return el ? headingLabel(el) : '';
}

function sameTitle(heading: string, title: string): boolean {
  const a = heading.toLowerCase();
  const b = title.toLowerCase();
  return a !== '' && b !== '' && (a.includes(b) || b.includes(a));
}

function isSiteName(heading: string, rawTitle: string, siteName: string | null): boolean {
  const h = heading.toLowerCase();
  if (siteName && siteName.toLowerCase() === h) return true;
  const parts = titleParts(rawTitle);
  return parts.length > 1 && parts.some((part) => part.toLowerCase() === h);
}

/** Parses an HTML page into an ExtractedDocument. */
export function extractHtml(html: string, options: HtmlExtractOptions): ExtractedDocument {
  const { document } = parseHTML(html);
  // Everything read from the whole page comes first: choosing the content removes boilerplate.
  const meta = scanPage(document);
  const base = (meta.baseHref ? resolveUrl(meta.baseHref, options.url) : null) ?? options.url;
  const links = resolveLinks(meta.hrefs, base);
  const canonicalUrl = meta.canonicalHref ? resolveUrl(meta.canonicalHref, base) : null;
  const { siteName, ogTitle, noindex, nofollow } = meta;
  const rawTitle = meta.title;

  const body = document.body ?? document.documentElement;
  const { root } = chooseMainContent(body, html);
  const h1 = body.querySelector('h1');
  const pageHeading = headingText(h1);
  const headings = [pageHeading, headingText(root.querySelector('h2'))].filter(Boolean);
  const hints = { siteName, headings };
  const title =
    (ogTitle ? cleanTitle(ogTitle, hints) : '') ||
    (rawTitle ? cleanTitle(rawTitle, hints) : '') ||
    headings[0] ||
    headingText(root.querySelector('h3, h4, h5, h6')) ||
    options.fallbackTitle ||
    '';
  let basePath: string[] = [];
  if (h1 && !sameTitle(pageHeading, title) && isSiteName(pageHeading, rawTitle, siteName)) {
    // An h1 that is the site's name ("Node.js v20 documentation" above every page) heads nothing.
    h1.remove();
  } else if (h1 && !root.contains(h1) && root.querySelector('h1') === null && sameTitle(pageHeading, title)) {
    // The page's h1 heads every section even when the content element starts below it (title in
    // a header above <main>, or dropped by Readability as a duplicate of the title).
    basePath = [pageHeading];
  }
  const sections = sectionsFromDom(root, basePath);
  return { title, canonicalUrl, sections, noindex, nofollow, links };
}

// Turns a main-content DOM subtree into Sections: the reading-order text of the page, split at
// headings, with lists, tables, definition lists and code rendered as plain text that still reads
// well to a retriever and to a language model. Used for HTML pages and for DOCX (through mammoth's
// HTML). The walker only reads the DOM; choosing the main content is extract-html.ts's job.
import type { Section } from '../source-types.ts';
import { withoutTrailingSpaces } from './extract-text.ts';

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

/** Elements that never carry readable text (or only carry widget labels). */
const SKIPPED = new Set(
  (
    'script style noscript template svg math canvas iframe object embed video audio img picture ' +
    'button input select textarea option head title meta link'
  ).split(' '),
);

/** Elements that end the current paragraph; everything else is treated as inline text. */
const BLOCKS = new Set(
  (
    'address article aside blockquote body center details dialog div dd dl dt fieldset ' +
    'figcaption figure footer form header hgroup hr html legend li main nav ol p pre section ' +
    'summary table ul caption tr td th tbody thead tfoot listing xmp plaintext'
  ).split(' '),
);

const HEADING = /^h([1-6])$/;
/** Callout boxes ("Note", "Warning"): their own heading must not become a section of the page. */
const ADMONITION =
  /(?:^|\s)(?:note|tip|hint|warning|caution|important|danger|admonition|callout|alert)(?:\s|$)/i;
/** Permalink glyphs that documentation generators append to headings (Sphinx ¶, Node.js #). */
const HEADING_ANCHOR = /\s*[#¶§🔗]+\s*$/u;
const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/g;
const HARD_BREAK = '\u2028';
/** Characters up to which a one-column table row is one record, kept in one block. */
const RECORD_SIZE = 1200;

/** Receives the blocks of a subtree; headings only matter at the top level of the content. */
interface Sink {
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

function tagOf(el: Element): string {
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
function isSkipped(el: Element, tag: string): boolean {
  if (SKIPPED.has(tag)) {
    return !(tag === 'button' && (el.hasAttribute('aria-expanded') || el.hasAttribute('aria-controls')));
  }
  return isHidden(el);
}

/**
 * Walks the children of `el`, gathering inline content into paragraphs and handing every block
 * (paragraph, list, table, code, definition) to the sink in reading order.
 */
function walkChildren(el: Element, sink: Sink): void {
  const inline: string[] = [];
  const flush = (): void => {
    if (inline.length === 0) return;
    const text = collapseInline(inline.join(''));
    inline.length = 0;
    if (text) sink.block(text);
  };
  walkInto(el, inline, sink, flush);
  flush();
}

/**
 * Inline content joins the paragraph being gathered; a block element ends it. Inline elements are
 * walked through, since generated HTML wraps blocks in them (a <span> around <p>s).
 */
function walkInto(el: Element, inline: string[], sink: Sink, flush: () => void): void {
  for (let node = el.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === TEXT || node.nodeType === CDATA) {
      inline.push(node.nodeValue ?? '');
      continue;
    }
    if (node.nodeType !== ELEMENT) continue;
    const child = node as Element;
    const tag = tagOf(child);
    if (isSkipped(child, tag)) continue;
    if (tag === 'br') inline.push(HARD_BREAK);
    else if (BLOCKS.has(tag) || HEADING.test(tag)) {
      flush();
      renderBlock(child, tag, sink);
    } else if (child.firstElementChild === null) inline.push(child.textContent ?? '');
    else walkInto(child, inline, sink, flush);
  }
}

function renderBlock(el: Element, tag: string, sink: Sink): void {
  const heading = HEADING.exec(tag);
  if (heading) {
    const text = headingLabel(el);
    if (text) sink.heading(Number(heading[1]), text);
    return;
  }
  switch (tag) {
    case 'pre':
    case 'listing':
    case 'xmp':
    case 'plaintext': {
      const code = preText(el);
      if (code) sink.block(code);
      return;
    }
    case 'ul':
    case 'ol': {
      const list = renderList(el, tag === 'ol');
      if (list) sink.block(list);
      return;
    }
    case 'table':
      renderTable(el, sink);
      return;
    case 'dl':
      renderDefinitions(el, sink);
      return;
    case 'hr':
      return;
    default:
      if (ADMONITION.test(el.getAttribute('class') ?? '')) walkChildren(el, titledSink(sink));
      else walkChildren(el, sink);
  }
}

/** A heading's text on one line, without the permalink glyph generators append. */
export function headingLabel(el: Element): string {
  return collapseInline(textWithBreaks(el)).replace(/\n/g, ' ').replace(HEADING_ANCHOR, '');
}

/**
 * Text of <pre>: verbatim, minus widget text inside it (copy buttons, toggles) and the blank lines
 * markup leaves around it. Sibling <code> blocks in one <pre> (one example in two syntaxes) are
 * kept apart by a blank line.
 */
function preText(el: Element): string {
  const parts: string[] = [];
  let codes = 0;
  const visit = (parent: Element, top: boolean): void => {
    for (let node = parent.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === TEXT || node.nodeType === CDATA) parts.push(node.nodeValue ?? '');
      else if (node.nodeType === ELEMENT) {
        const child = node as Element;
        const tag = tagOf(child);
        if (isSkipped(child, tag)) continue;
        if (tag === 'br') parts.push('\n');
        else {
          if (top && tag === 'code' && codes++ > 0) parts.push('\n\n');
          visit(child, false);
        }
      }
    }
  };
  visit(el, true);
  return parts
    .join('')
    .replace(INVISIBLE, '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(withoutTrailingSpaces)
    .join('\n')
    .replace(/^\n+/, '')
    .trimEnd()
    .replace(/\n{3,}/g, '\n\n');
}

/** textContent, but with <br> kept as a line break (terms, addresses, table cells). */
function textWithBreaks(el: Element): string {
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

/** All blocks of a subtree, with any headings inside it demoted to plain lines. */
function blocksOf(el: Element): string[] {
  const blocks: string[] = [];
  walkChildren(el, { block: (text) => blocks.push(text), heading: (_level, text) => blocks.push(text) });
  return blocks;
}

/**
 * Inside a callout, the box's own title ("Note", "Warning") is a label for the text that follows,
 * not a heading of the page: it becomes a "Note: …" prefix of the next block.
 */
function titledSink(outer: Sink): Sink {
  let label: string | null = null;
  return {
    heading(_level, text) {
      if (label !== null) outer.block(label);
      label = text;
    },
    block(text) {
      if (label === null) outer.block(text);
      else outer.block(`${label.replace(/[:.]$/, '')}:${text.includes('\n') ? '\n' : ' '}${text}`);
      label = null;
    },
  };
}

/** "- item" lines; nested lists and further paragraphs of an item indented under it. */
function renderList(list: Element, ordered: boolean): string {
  const lines: string[] = [];
  let number = Number.parseInt(list.getAttribute('start') ?? '1', 10);
  if (!Number.isFinite(number)) number = 1;
  for (let item = list.firstElementChild; item; item = item.nextElementSibling) {
    const tag = tagOf(item);
    if (isSkipped(item, tag)) continue;
    const blocks = tag === 'li' ? blocksOf(item) : BLOCKS.has(tag) ? blocksOf(item) : [];
    if (blocks.length === 0) continue;
    const marker = ordered ? `${number++}.` : '-';
    const pad = ' '.repeat(marker.length + 1);
    blocks.forEach((block, i) => {
      block.split('\n').forEach((line, j) => {
        lines.push(i === 0 && j === 0 ? `${marker} ${line}` : line ? `${pad}${line}` : '');
      });
    });
  }
  return lines.join('\n');
}

/** Cell text on one line: a table row must stay one line for "a | b" to mean anything. */
function cellText(cell: Element): string {
  return blocksOf(cell)
    .join(' ')
    .replace(/\s*\n\s*/g, ' ');
}

function rowsOf(table: Element): Element[] {
  const rows: Element[] = [];
  for (let child = table.firstElementChild; child; child = child.nextElementSibling) {
    const tag = tagOf(child);
    if (tag === 'tr') rows.push(child);
    else if (tag === 'thead' || tag === 'tbody' || tag === 'tfoot') {
      for (let row = child.firstElementChild; row; row = row.nextElementSibling) {
        if (tagOf(row) === 'tr') rows.push(row);
      }
    }
  }
  return rows;
}

function cellsOf(row: Element): Element[] {
  const cells: Element[] = [];
  for (let cell = row.firstElementChild; cell; cell = cell.nextElementSibling) {
    const tag = tagOf(cell);
    if ((tag === 'td' || tag === 'th') && !isHidden(cell)) cells.push(cell);
  }
  return cells;
}

/**
 * Data tables become "cell | cell" rows (header row first, as the page shows it), one block per
 * table. One-column tables (the PostgreSQL manual lists functions that way: signature, description
 * and example stacked in one cell) give one block per row, so a row is never split from itself.
 * Layout tables — role=presentation, or cells holding headings or whole tables — are read as the
 * blocks they contain, since their "rows" are page regions, not records.
 */
function renderTable(table: Element, sink: Sink): void {
  const rows = rowsOf(table);
  const role = table.getAttribute('role');
  const caption = table.querySelector('caption');
  if (
    role === 'presentation' ||
    role === 'none' ||
    table.querySelector('table, h1, h2, h3, h4, h5, h6') !== null
  ) {
    if (caption) walkChildren(caption, sink);
    for (const row of rows) for (const cell of cellsOf(row)) walkChildren(cell, sink);
    return;
  }
  const captionText = caption ? collapseInline(caption.textContent ?? '') : '';
  const grid = rows.map(cellsOf).filter((cells) => cells.length > 0);
  if (grid.every((cells) => cells.length === 1)) {
    if (captionText) sink.block(captionText);
    // A column of short entries (DocBook's simplelist) is a list drawn as a table.
    const entries = grid.map(([cell]) => cellText(cell!));
    if (entries.length > 1 && entries.every((entry) => entry.length <= 80 && !/[.!?]$/.test(entry))) {
      sink.block(
        entries
          .filter(Boolean)
          .map((entry) => `- ${entry}`)
          .join('\n'),
      );
      return;
    }
    for (const [cell] of grid) {
      const blocks = blocksOf(cell!);
      const text = blocks.join('\n');
      // A record-sized cell stays one block; a page-sized one, or one holding lists or code, is
      // a layout cell (sites of the 2000s put whole articles in one) and keeps its paragraphs.
      if (text.length <= RECORD_SIZE && cell!.querySelector('ul, ol, dl, pre, blockquote') === null) {
        if (text) sink.block(text);
      } else for (const block of blocks) sink.block(block);
    }
    return;
  }
  const lines: string[] = captionText ? [captionText] : [];
  for (const cells of grid) {
    const texts = cells.map(cellText);
    if (texts.some((text) => text !== '')) lines.push(texts.join(' | '));
  }
  if (lines.length > 0) sink.block(lines.join('\n'));
}

/**
 * <dl> as "term: definition": each term group is its own block, so a chunk boundary falls between
 * definitions, not inside one. Later paragraphs of a long definition follow as blocks of their own.
 */
function renderDefinitions(dl: Element, sink: Sink): void {
  let terms: string[] = [];
  const items: Element[] = [];
  // HTML allows <div> wrappers around dt/dd groups.
  for (let child = dl.firstElementChild; child; child = child.nextElementSibling) {
    if (tagOf(child) === 'div') {
      for (let inner = child.firstElementChild; inner; inner = inner.nextElementSibling) items.push(inner);
    } else items.push(child);
  }
  for (const item of items) {
    const tag = tagOf(item);
    if (isSkipped(item, tag)) continue;
    if (tag === 'dt') {
      const term = collapseInline(textWithBreaks(item)).replace(/\n/g, ', ');
      if (term) terms.push(term);
      continue;
    }
    const blocks = blocksOf(item);
    const label = terms.join(', ');
    terms = [];
    if (blocks.length === 0) {
      if (label) sink.block(label);
      continue;
    }
    const [first, ...rest] = blocks as [string, ...string[]];
    sink.block(label ? `${label}:${first.includes('\n') ? '\n' : ' '}${first}` : first);
    for (const block of rest) sink.block(block);
  }
  if (terms.length > 0) sink.block(terms.join(', '));
}

/**
 * Sections of a content subtree. Each heading h1–h6 starts a section whose headingPath is the chain
 * of enclosing headings by level (an h3 after an h2 nests under it; the next h2 replaces both).
 * `basePath` is prepended to every path (e.g. a document title not present in the subtree).
 */
export function sectionsFromDom(root: Element, basePath: string[] = []): Section[] {
  const sections: Section[] = [];
  const stack: { level: number; text: string }[] = [];
  let blocks: string[] = [];
  let path = basePath;

  const close = (): void => {
    if (blocks.length > 0) sections.push({ headingPath: path, text: blocks.join('\n\n') });
    blocks = [];
  };
  walkChildren(root, {
    block(text) {
      blocks.push(text);
    },
    heading(level, text) {
      close();
      while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
      stack.push({ level, text });
      path = [...basePath, ...stack.map((entry) => entry.text)];
    },
  });
  close();
  return sections;
}

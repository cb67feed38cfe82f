// Turns a main-content DOM subtree into Sections: the reading-order text of the page, split at
// headings, with lists, tables, definition lists and code rendered as plain text that still reads
// well to a retriever and to a language model. Used for HTML pages and for DOCX (through mammoth's
// HTML). The walker only reads the DOM; choosing the main content is extract-html.ts's job.
import { fenceCode } from '../code-fence.ts';
import type { Section } from '../source-types.ts';
import {
  CDATA,
  collapseInline,
  ELEMENT,
  HARD_BREAK,
  headingLabel,
  INVISIBLE,
  isSkipped,
  type Sink,
  TEXT,
  tagOf,
} from './extract-html-nodes.ts';
import { type BlockWalker, renderDefinitions, renderTable } from './extract-html-tables.ts';
import { withoutTrailingSpaces } from './extract-text.ts';

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

const WALKER: BlockWalker = { children: walkChildren, blocks: blocksOf };

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
      if (code) sink.block(fenceCode(code));
      return;
    }
    case 'ul':
    case 'ol': {
      const list = renderList(el, tag === 'ol');
      if (list) sink.block(list);
      return;
    }
    case 'table':
      renderTable(el, sink, WALKER);
      return;
    case 'dl':
      renderDefinitions(el, sink, WALKER);
      return;
    case 'hr':
      return;
    default:
      if (ADMONITION.test(el.getAttribute('class') ?? '')) walkChildren(el, titledSink(sink));
      else walkChildren(el, sink);
  }
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

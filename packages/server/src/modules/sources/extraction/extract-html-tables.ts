// Tables and definition lists as text: data tables as "cell | cell" rows, one-column tables as
// records, <dl> as "term: definition". The walker of extract-html-sections.ts hands them over and
// is handed back (BlockWalker) for the blocks inside cells and definitions.
import {
  collapseInline,
  isHidden,
  isSkipped,
  type Sink,
  tagOf,
  textWithBreaks,
} from './extract-html-nodes.ts';

/** Characters up to which a one-column table row is one record, kept in one block. */
const RECORD_SIZE = 1200;

/** The walker's two entry points, passed in so that this module does not import it back. */
export interface BlockWalker {
  /** Hands every block of the subtree to the sink, in reading order. */
  children(el: Element, sink: Sink): void;
  /** All blocks of a subtree, headings demoted to plain lines. */
  blocks(el: Element): string[];
}

/** Cell text on one line: a table row must stay one line for "a | b" to mean anything. */
function cellText(cell: Element, walk: BlockWalker): string {
  return walk
    .blocks(cell)
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
export function renderTable(table: Element, sink: Sink, walk: BlockWalker): void {
  const rows = rowsOf(table);
  const role = table.getAttribute('role');
  const caption = table.querySelector('caption');
  if (
    role === 'presentation' ||
    role === 'none' ||
    table.querySelector('table, h1, h2, h3, h4, h5, h6') !== null
  ) {
    if (caption) walk.children(caption, sink);
    for (const row of rows) for (const cell of cellsOf(row)) walk.children(cell, sink);
    return;
  }
  const captionText = caption ? collapseInline(caption.textContent ?? '') : '';
  const grid = rows.map(cellsOf).filter((cells) => cells.length > 0);
  if (grid.every((cells) => cells.length === 1)) {
    if (captionText) sink.block(captionText);
    // A column of short entries (DocBook's simplelist) is a list drawn as a table.
    const entries = grid.map(([cell]) => cellText(cell!, walk));
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
      const blocks = walk.blocks(cell!);
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
    const texts = cells.map((cell) => cellText(cell, walk));
    if (texts.some((text) => text !== '')) lines.push(texts.join(' | '));
  }
  if (lines.length > 0) sink.block(lines.join('\n'));
}

/**
 * <dl> as "term: definition": each term group is its own block, so a chunk boundary falls between
 * definitions, not inside one. Later paragraphs of a long definition follow as blocks of their own.
 */
export function renderDefinitions(dl: Element, sink: Sink, walk: BlockWalker): void {
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
    const blocks = walk.blocks(item);
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

// Pure text helpers for the offline extractive answerer: split a passage into displayable units
// (sentences, list items, headings, Q&A questions, code), and turn text into stemmed content terms.
// Everything here is deterministic and allocation-light: the answerer runs on every test-mode chat.
import { STOP_WORDS, tokenize } from '../../lib/language/english-terms.ts';

export type UnitKind = 'sentence' | 'item' | 'row' | 'heading' | 'question' | 'code';

export interface TextUnit {
  kind: UnitKind;
  /**
   * Display text: list markers and heading hashes removed, a table row as "Header: cell, …",
   * everything else as in the source.
   */
  text: string;
  /** Paragraph, list, table or code block the unit belongs to; a block's units are contiguous. */
  block: number;
  /** Index (in the returned array) of the heading or question that opened the unit's section; -1 before any. */
  section: number;
  /** List items only: numbered ("1.", "2)") lists are steps and are quoted whole. */
  ordered?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Sentences

// Abbreviations whose period never ends a sentence: "e.g. Slack", "Dr. Smith", "vs. Zendesk".
const NEVER_FINAL = new Set('e.g i.e cf vs mr mrs ms dr prof st jr sr approx'.split(' '));
// Abbreviations that only continue when a number follows: "No. 5", "p. 12", "Fig. 3".
const BEFORE_NUMBER = new Set('no nos vol pp p fig art sec ch ex ref tel'.split(' '));
const BOUNDARY_RE = /([.!?…]+)(["'”’)\]]*)\s+/g;
const DOTTED_END_RE = /(?:\p{L}\.){2,}$|\betc\.$/u; // "U.S.", "p.m.", "etc."

/** Splits a paragraph into sentences without breaking abbreviations, initials, decimals or URLs. */
export function splitSentences(paragraph: string): string[] {
  const text = paragraph.replace(/\s+/g, ' ').trim();
  const sentences: string[] = [];
  let start = 0;
  for (const match of text.matchAll(BOUNDARY_RE)) {
    const end = match.index + match[1]!.length + match[2]!.length;
    const next = text[match.index + match[0].length] ?? '';
    if (!isBoundary(text.slice(start, match.index), match[1]!, next)) continue;
    pushSentence(sentences, text.slice(start, end));
    start = match.index + match[0].length;
  }
  pushSentence(sentences, text.slice(start));
  return sentences;
}

function isBoundary(before: string, punct: string, next: string): boolean {
  // "e.g. the", "approx. five", "Yahoo! is": a lowercase continuation is never a new sentence.
  if (/\p{Ll}/u.test(next)) return false;
  if (punct !== '.') return true;
  const word = before.slice(before.lastIndexOf(' ') + 1);
  const bare = word.replace(/^[("'[]+/, '').toLowerCase();
  if (NEVER_FINAL.has(bare)) return false;
  if (/^\p{Lu}$/u.test(word)) return false; // an initial: "J. Smith"
  return !(/^\p{N}/u.test(next) && BEFORE_NUMBER.has(bare));
}

function pushSentence(sentences: string[], raw: string): void {
  const sentence = raw.trim();
  if (!sentence) return;
  const last = sentences.length - 1;
  // A fragment with no letters ("2.") belongs to the sentence before it, and so does a lone word
  // after a dotted abbreviation ("… to 6 p.m." + "CET.").
  const lone =
    !/\p{L}/u.test(sentence) || (!sentence.includes(' ') && DOTTED_END_RE.test(sentences[last] ?? ''));
  if (lone && last >= 0) sentences[last] += ` ${sentence}`;
  else sentences.push(sentence);
}

// ---------------------------------------------------------------------------------------------
// Passages → units

const FENCE_RE = /^(```|~~~)/;
const MD_HEADING_RE = /^#{1,6}\s+(.+?)\s*#*$/;
const BOLD_LINE_RE = /^(?:\*\*|__)([^*_]+)(?:\*\*|__):?$/;
const QUESTION_RE = /^(?:q|question)\s*:\s*(.+)$/i;
const ANSWER_RE = /^(?:a|answer)\s*:\s*(.*)$/i;
const INLINE_ANSWER_RE = /\s(?:a|answer)\s*:\s+/i;
const LIST_RE = /^([-*+•▪‣◦]|\d{1,3}[.)]|[a-z]\))\s+(.+)$/;
const TABLE_RE = /^\|.*\|$/;
// HTML tables come out of extraction as "Plan | Price" lines, without the outer pipes.
const BARE_ROW_RE = /\S \| \S/;
const TABLE_RULE_RE = /^\|[\s:|-]+\|$/;
const COMMAND_RE =
  /^(\$|>|#!|curl|npm|npx|pnpm|yarn|pip|git|docker|sudo|import|export|const|let|var|function|def|class)\s/;

// A shell prompt and a command ("# apt install apache2", "$ ssh-keygen -t rsa"): the paragraph it
// opens is a terminal session, the command and what it printed, never prose. A Markdown heading
// ("# Getting started") starts with a capital.
const PROMPT_RE = /^[#$] [a-z][\w.+-]*(?:$|\s+[-/.~a-z0-9"'])/;

/** Lines of commands or source code: kept out of answers, which are prose. */
export function looksLikeCode(line: string): boolean {
  if (COMMAND_RE.test(line) || /[{;]$/.test(line) || /^[}\])]/.test(line)) return true;
  const symbols = line.match(/[{}()[\];=<>]/g)?.length ?? 0;
  return symbols >= 4 && symbols > (line.match(/\p{L}{3,}/gu)?.length ?? 0);
}

/**
 * Splits a passage into units. Markdown structure (headings, lists, tables, fences) is honoured;
 * plain text gets the same treatment from line shape: a short unpunctuated line that opens a
 * block is a heading, a line that ends with "?" and opens a block is an FAQ question.
 */
export function parseText(input: string): TextUnit[] {
  const lines = input.replace(/\r\n?/g, '\n').split('\n');
  const units: TextUnit[] = [];
  let block = 0;
  let section = -1;
  let para: string[] = [];
  let code: string[] = [];
  let fence: string | null = null;
  let screen = false; // inside a paragraph that a shell prompt opened
  let listItem: TextUnit | null = null;
  let tableHeader: string[] | null = null;

  const closeBlock = (): void => {
    if (para.length > 0) {
      for (const text of splitSentences(para.join(' ')))
        units.push({ kind: 'sentence', text, block, section });
      para = [];
      block++;
    }
    if (code.length > 0) {
      units.push({ kind: 'code', text: code.join('\n'), block, section });
      code = [];
      block++;
    }
    screen = false;
    if (listItem || tableHeader) block++;
    listItem = null;
    tableHeader = null;
  };
  const openSection = (text: string): void => {
    closeBlock();
    section = units.length;
    units.push({ kind: text.endsWith('?') ? 'question' : 'heading', text, block: block++, section });
  };

  const nextText = (i: number): string => {
    for (let j = i + 1; j < lines.length; j++) {
      const next = lines[j]!.trim();
      if (next) return next;
    }
    return '';
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (fence !== null) {
      if (trimmed.startsWith(fence)) {
        fence = null;
        closeBlock();
      } else code.push(line);
      continue;
    }
    if (FENCE_RE.test(trimmed)) {
      closeBlock();
      fence = trimmed.slice(0, 3);
      continue;
    }
    if (!trimmed) {
      closeBlock();
      continue;
    }
    if (screen || (para.length === 0 && PROMPT_RE.test(trimmed))) {
      if (!screen) closeBlock();
      screen = true;
      code.push(trimmed);
      continue;
    }
    const heading = MD_HEADING_RE.exec(trimmed) ?? BOLD_LINE_RE.exec(trimmed);
    if (heading) {
      openSection(heading[1]!.trim());
      continue;
    }
    const question = QUESTION_RE.exec(trimmed);
    if (question) {
      // "Q: How long …? A: Three days." on one line: the answer starts a paragraph.
      const [asked, ...answer] = question[1]!.split(INLINE_ANSWER_RE);
      openSection(asked!.trim());
      if (answer.length > 0) para.push(answer.join(' A: '));
      continue;
    }
    const answer = ANSWER_RE.exec(trimmed);
    if (answer) {
      if (answer[1]) para.push(answer[1]);
      continue;
    }
    const bareRow: boolean =
      !TABLE_RE.test(trimmed) &&
      BARE_ROW_RE.test(trimmed) &&
      (tableHeader !== null || BARE_ROW_RE.test(lines[i + 1]?.trim() ?? ''));
    if (TABLE_RE.test(trimmed) || bareRow) {
      if (!tableHeader) closeBlock();
      if (TABLE_RULE_RE.test(trimmed)) continue;
      const cells: string[] = (bareRow ? trimmed : trimmed.slice(1, -1))
        .split('|')
        .map((cell) => cell.trim());
      if (!tableHeader) tableHeader = cells;
      else units.push({ kind: 'row', text: tableRow(tableHeader, cells), block, section });
      continue;
    }
    const item = LIST_RE.exec(trimmed);
    if (item) {
      if (!listItem) closeBlock();
      listItem = { kind: 'item', text: item[2]!.trim(), block, section, ordered: /\d/.test(item[1]!) };
      units.push(listItem);
      continue;
    }
    if (listItem && /^\s/.test(line)) {
      listItem.text += ` ${trimmed}`; // an indented continuation of the item above
      continue;
    }
    if (listItem || tableHeader) closeBlock();
    if (looksLikeCode(trimmed)) {
      if (para.length > 0) closeBlock();
      code.push(trimmed);
      continue;
    }
    if (code.length > 0) closeBlock();
    // Plain text from HTML or PDF extraction keeps headings as their own short lines.
    const afterSentence = para.length === 0 || /[.!?:]$/.test(para[para.length - 1]!);
    if (afterSentence && isHeadingLine(trimmed, nextText(i))) {
      openSection(trimmed);
      continue;
    }
    para.push(trimmed);
  }
  closeBlock();
  // Markup in prose ("…never expire <script>…</script> and…") is left out of every quote: a reply
  // may be shown as HTML by whoever reads the API. Code blocks keep theirs (they are never quoted
  // with markup, see composeCode).
  for (const unit of units) if (unit.kind !== 'code') unit.text = withoutMarkup(unit.text);
  return units;
}

/** "| Pro | $49 |" under "| Plan | Price |" reads "Plan: Pro, Price: $49": the header is the glue. */
function tableRow(header: string[], cells: string[]): string {
  return cells
    .map((cell, i) => (header[i] ? `${header[i]}: ${cell}` : cell))
    .filter((cell) => !/:\s*$/.test(cell))
    .join(', ');
}

/** A line that opens a block and is followed by a capitalised one, not a hard-wrapped sentence. */
function isHeadingLine(line: string, next: string): boolean {
  if (!/^\p{Lu}/u.test(line) || !/^[\p{Lu}\p{N}\-*•|]/u.test(next)) return false;
  if (line.endsWith('?')) return line.length <= 150;
  const last = tokenize(line).at(-1) ?? '';
  return (
    line.length <= 60 && line.split(/\s+/).length <= 8 && !/[.!:;,]$/.test(line) && !STOP_WORDS.has(last)
  );
}

/** Elements whose content is markup too, removed with it. */
const MARKUP_ELEMENT = /<(script|style|iframe|object|embed|svg|template|noscript)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
/** Tags that load or run something, and any tag with an event handler (`onerror=`). */
const ACTIVE_TAG =
  /<\/?(script|style|iframe|frame|frameset|object|embed|applet|svg|img|link|meta|base|form|input|button|template|noscript)\b[^>]*>|<[a-z][\w-]*\b[^>]*\son[a-z]+\s*=[^>]*>/gi;

/** Text without active HTML: scripts, frames, images, handlers. A tag named in prose ("the <br> tag") stays. */
export function withoutMarkup(text: string): string {
  if (!text.includes('<')) return text;
  return text
    .replace(MARKUP_ELEMENT, ' ')
    .replace(ACTIVE_TAG, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

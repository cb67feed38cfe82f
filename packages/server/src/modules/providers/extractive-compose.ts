// How the offline answerer turns its best-scoring unit into a reply: the list it belongs to, or
// the best sentence with what continues it and the few others that add an unanswered question
// word, each quote cited with its passage's number. Scoring lives in extractive-answerer.ts.
import { tokenize } from '../../lib/language/english-terms.ts';
import type { TextUnit } from './extractive-text.ts';
import type { Passage } from './provider-types.ts';

export interface ExtractiveAnswer {
  text: string;
  /** Ids of the cited passages, in the order their markers appear. */
  passageIds: string[];
  grounded: boolean;
}

// A further sentence, or an item of a bullet list, is quoted only with at least this coverage.
const MIN_COVERAGE = 0.42;
export const STRONG_MATCH = 0.5; // a unit this good lends its score to the sentence that continues it
const EXTRA_RELATIVE = 0.6; // further sentences must score this share of the best one
// A sentence that scores within CLOSE of the best one is quoted with it even when it adds no
// question word and comes from another section: the scorer cannot tell which of the two answers, so
// the reply gives both. Measured on bench/quality.ts (with MAX_SENTENCES 4, from 3): the labelled
// fact in 84 replies of 161 instead of 76 on the tuning half, 80 of 154 instead of 74 on the other;
// the median reply grows from 256 to 351 characters.
const CLOSE = 0.85;
const MAX_SENTENCES = 4;
const MAX_ITEMS = 10;
const MAX_CODE_LINES = 12;

export interface Prepared {
  units: TextUnit[];
  terms: Set<string>[];
  titleTerms: Set<string>;
  headingTerms: Set<string>;
  headingIsQuestion: boolean;
  relevance: number;
}

export interface Candidate {
  passage: number;
  /** Position of the unit in its passage. */
  index: number;
  unit: TextUnit;
  terms: Set<string>;
  /** Indexes of the query terms the unit's own text has. */
  matched: number[];
  coverage: number;
  score: number;
  /** Continues the strong match just before it: quoted only after that one. */
  continuation: boolean;
  /** Has one of the question's own words (not one borrowed from the turn before), or its heading does. */
  asked: boolean;
}

/** When the best match is a list item or a list's lead-in ("To reset your password:"), quote the list. */
export function composeList(
  best: Candidate,
  candidates: Candidate[],
  prepared: Prepared[],
  passages: Passage[],
): ExtractiveAnswer | null {
  const { units } = prepared[best.passage]!;
  let lead: TextUnit | null = null;
  let listBlock: number;
  if (best.unit.kind === 'item') {
    listBlock = best.unit.block;
  } else {
    const next = units[best.index + 1];
    if (!best.unit.text.endsWith(':') || next?.kind !== 'item') return null;
    lead = best.unit;
    listBlock = next.block;
  }
  const first = units.findIndex((unit) => unit.block === listBlock);
  const items = units.filter((unit) => unit.block === listBlock && unit.kind === 'item');
  const before = units[first - 1];
  if (!lead && before?.kind === 'sentence' && before.text.endsWith(':')) lead = before;
  // Steps are quoted whole; a bullet list only where it matches, unless its lead-in was the match.
  let chosen = items;
  if (!items[0]!.ordered && lead !== best.unit) {
    const bar = Math.max(MIN_COVERAGE, 0.5 * best.score);
    const matching = new Set(
      candidates.filter((c) => c.passage === best.passage && c.score >= bar).map((c) => c.unit),
    );
    chosen = items.filter((item) => matching.has(item));
  }
  if (chosen.length < 2 && !lead) return null;
  const lines = chosen
    .slice(0, MAX_ITEMS)
    .map((item, i) => `${item.ordered ? `${i + 1}.` : '-'} ${item.text}`);
  lines[lines.length - 1] = cite(lines.at(-1)!, best.passage + 1);
  const text = lead ? `${lead.text}\n${lines.join('\n')}` : lines.join('\n');
  return { text, passageIds: [passages[best.passage]!.id], grounded: true };
}

/**
 * When the best match introduces commands or code ("…run the following:"), quote it with them, as
 * a fenced block, cut to whole lines that fit the reply.
 */
export function composeCode(
  best: Candidate,
  prepared: Prepared[],
  passages: Passage[],
  maxChars: number,
): ExtractiveAnswer | null {
  const next = prepared[best.passage]!.units[best.index + 1];
  if (!best.unit.text.endsWith(':') || next?.kind !== 'code' || next.text.includes('<')) return null;
  const lead = cite(best.unit.text, best.passage + 1);
  const room = maxChars - lead.length - 10;
  const lines: string[] = [];
  let length = 0;
  for (const line of next.text.split('\n').slice(0, MAX_CODE_LINES)) {
    if (length + line.length + 1 > room) break;
    lines.push(line);
    length += line.length + 1;
  }
  if (lines.length === 0) return null;
  const text = `${lead}\n\`\`\`\n${lines.join('\n')}\n\`\`\``;
  return { text, passageIds: [passages[best.passage]!.id], grounded: true };
}

/**
 * The best sentence, what continues it, and others up to MAX_SENTENCES in all: those that are good
 * enough and add a question term not yet answered (so a second passage is cited only when it adds
 * something), and those that score almost as well as the best one.
 */
export function composeSentences(
  best: Candidate,
  candidates: Candidate[],
  passages: Passage[],
  maxChars: number,
  answerTypes: RegExp[],
): ExtractiveAnswer {
  const chosen: Candidate[] = [best];
  const answered = new Set(best.matched);
  let length = best.unit.text.length;
  const bar = Math.max(MIN_COVERAGE, EXTRA_RELATIVE * best.score);
  for (const candidate of candidates) {
    if (chosen.length >= MAX_SENTENCES) break;
    // A lead-in without its list, or an item cut from its steps, reads broken.
    if (candidate === best || candidate.score < bar || candidate.unit.text.endsWith(':')) continue;
    const afterChosen = chosen.some(
      (c) => c.passage === candidate.passage && c.index === candidate.index - 1,
    );
    if (
      candidate.continuation ? !afterChosen || candidate.unit.kind === 'item' : candidate.unit.kind === 'item'
    )
      continue;
    const close = candidate.score >= CLOSE * best.score;
    if (!close && !candidate.continuation && candidate.matched.every((i) => answered.has(i))) continue;
    // Another passage, or another section of one, is quoted only for a strong match of its own,
    // not for a word shared by chance.
    const near = chosen.some(
      (c) => c.passage === candidate.passage && c.unit.section === candidate.unit.section,
    );
    if (!near && !close && (candidate.score < 0.8 * best.score || candidate.coverage <= STRONG_MATCH))
      continue;
    if (chosen.some((c) => redundant(c, candidate)) || length + candidate.unit.text.length > maxChars)
      continue;
    chosen.push(candidate);
    for (const i of candidate.matched) answered.add(i);
    length += candidate.unit.text.length + 6;
  }
  const completion = typeCompletion(best, chosen, candidates, passages, answerTypes);
  if (completion && length + completion.unit.text.length <= maxChars) chosen.push(completion);
  // Passages in the order they were first chosen; within one passage, reading order.
  const order = [...new Set(chosen.map((c) => c.passage))];
  const parts: string[] = [];
  for (const p of order) {
    const group = chosen.filter((c) => c.passage === p).sort((a, b) => a.index - b.index);
    group.forEach((c, i) => {
      const { text: quote } = c.unit;
      const text = /[.!?]$/.test(quote) ? quote : `${quote}.`; // a table row has no full stop
      parts.push(i === group.length - 1 ? cite(text, p + 1) : text);
    });
  }
  return { text: parts.join(' '), passageIds: order.map((p) => passages[p]!.id), grounded: true };
}

/**
 * When the question asks for a kind of text (a menu path for "how do I", a number for "how many")
 * and nothing quoted is of that kind, the best unit of that kind on the quoted page completes the
 * reply: "It cuts the image along each guide…" says what the command does, "You can access this
 * command through Image → Slice Using Guides" how to reach it.
 */
function typeCompletion(
  best: Candidate,
  chosen: Candidate[],
  candidates: Candidate[],
  passages: Passage[],
  answerTypes: RegExp[],
): Candidate | null {
  if (answerTypes.length === 0) return null;
  const ofType = (c: Candidate) => answerTypes.some((re) => re.test(c.unit.text));
  if (chosen.some(ofType)) return null;
  const page = passages[best.passage]!;
  const samePage = (p: number) =>
    p === best.passage || (passages[p]!.url ?? passages[p]!.title) === (page.url ?? page.title);
  return (
    candidates.find(
      (c) =>
        samePage(c.passage) &&
        c.unit.kind !== 'item' &&
        !c.unit.text.endsWith(':') &&
        ofType(c) &&
        !chosen.some((other) => redundant(other, c)),
    ) ?? null
  );
}

/** Overlapping chunks repeat sentences; two near-identical ones say nothing new. */
function redundant(a: Candidate, b: Candidate): boolean {
  if (tokenize(a.unit.text).join(' ') === tokenize(b.unit.text).join(' ')) return true;
  let shared = 0;
  for (const term of a.terms) if (b.terms.has(term)) shared++;
  const smaller = Math.min(a.terms.size, b.terms.size);
  if (smaller === 0) return false;
  return shared / (a.terms.size + b.terms.size - shared) >= 0.7 || (smaller >= 3 && shared / smaller >= 0.85);
}

/** "Refunds take 5 days." → "Refunds take 5 days [2]."; "…in the U.S." → "…in the U.S. [2]" */
function cite(text: string, n: number): string {
  if (/(?:\p{L}\.){2,}$|\betc\.$/u.test(text)) return `${text} [${n}]`;
  const end = /[.!?:]+$/.exec(text);
  return end ? `${text.slice(0, end.index)} [${n}]${end[0]}` : `${text} [${n}]`;
}

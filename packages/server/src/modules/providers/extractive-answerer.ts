// The built-in offline answerer (provider 'extractive'): Parley's default when a chatbot has no
// LLM integration, and always in test mode. It never calls the network: it quotes the sentences of
// the retrieved passages that best answer the last user message, with [n] citations numbered as
// the passages are (the numbering an LLM would see), or says the fallback message.
//
// Scoring, per candidate sentence, list item or table row:
//   coverage = Σ idf·weight of the question terms the unit has (a synonym or WordNet relative
//              counts less, a term only its heading or title has counts less) ÷ Σ idf·weight of
//              all question terms
//   score    = coverage + retrieval rank and relevance bonus + answer-type bonus (a price for
//              "how much") ± length
// idf is computed over the given passages; a term no passage has weighs by its rarity in everyday
// English. A unit that continues a strong match ("Then …", the list after "To reset it:") inherits
// most of its score. When the evidence is too weak (see answers()), the reply is the fallback
// message, grounded false.

import { editDistance } from '../../lib/language/edit-distance.ts';
import { contentTerms } from '../../lib/language/english-terms.ts';
import {
  type Candidate,
  composeCode,
  composeList,
  composeSentences,
  type ExtractiveAnswer,
  type Prepared,
  STRONG_MATCH,
} from './extractive-compose.ts';
import {
  buildQuery,
  isCreativeRequest,
  type Query,
  type QueryTerm,
  SYNONYM_CREDIT,
  smallTalkReply,
} from './extractive-query.ts';
import { parseText, type TextUnit } from './extractive-text.ts';
import type { ChatTurn, Passage } from './provider-types.ts';

export type { ExtractiveAnswer } from './extractive-compose.ts';

export const DEFAULT_FALLBACK_MESSAGE = "Sorry, I couldn't find an answer to that in my knowledge base.";

export interface ExtractiveOptions {
  fallbackMessage?: string;
  /** Longest reply in characters; extra sentences are dropped to fit (default 700). */
  maxChars?: number;
}

const CARRY = 0.85;
/** A question word no passage has weighs at least this share of a rare one (see weighTerms). */
const UNKNOWN_FLOOR = 0.15;
// A unit of the first passage gains RANK_BONUS, of the second half that, and so on: the retriever's
// order is evidence too. A unit of the kind of text the question asks for (a price for "how much")
// gains TYPE_BONUS. Measured on bench/quality.ts's tuning half: 0.2 and 0.15 (from 0.08 and 0.06)
// put the labelled fact in 52 replies of 135 instead of 48.
const RANK_BONUS = 0.2;
// A unit also gains RELEVANCE_BONUS × its passage's retrieval relevance (0..1). Measured on the
// tuning half: 0.45 put the fact in 61 replies of 135 instead of 57 (and 49 of 127 instead of 45
// on the held-out half).
const RELEVANCE_BONUS = 0.45;
const TYPE_BONUS = 0.15;
// See answers().
const EVIDENCE = { coverage: 4.4, relevance: 1.6, missing: 2, bar: 1.18 };
export const DEFAULT_MAX_CHARS = 700;
// A handful of retrieved passages is a tiny corpus: counting at least this many documents keeps a
// term found in one passage from weighing ten times one found in all of them (which is the topic).
const IDF_MIN_DOCS = 10;

const CONTINUES_RE =
  /^(then|next|after|afterwards|once|finally|this|that|these|those|it|they|you will|you'll|if so|otherwise|alternatively|however|but|also|note|to do (so|this))\b/i;

/** Answers the last user message from the passages. Pure and deterministic. */
export function answerExtractively(
  messages: ChatTurn[],
  passages: Passage[],
  options: ExtractiveOptions = {},
): ExtractiveAnswer {
  const ungrounded = (text: string): ExtractiveAnswer => ({ text, passageIds: [], grounded: false });
  const fallback = ungrounded(options.fallbackMessage?.trim() || DEFAULT_FALLBACK_MESSAGE);
  const users = messages.filter((turn) => turn.role === 'user').map((turn) => turn.content.toLowerCase());
  const question = users.at(-1)?.trim() ?? '';
  // Quoting the knowledge cannot write a poem: whatever words it shares with the pages.
  if (isCreativeRequest(question)) return fallback;
  const query = buildQuery(question, users.at(-2));
  if (query.terms.length === 0) {
    const reply = smallTalkReply(question);
    return reply ? ungrounded(reply) : fallback;
  }
  const prepared = passages.map(preparePassage);
  repairTypos(query, prepared);
  const weighed = weighTerms(query, prepared);
  const candidates = scoreCandidates(query, prepared, weighed);
  // A follow-up keeps its own subject: "What about marmosets?" is not answered with the quokka
  // sentence that the borrowed words match best.
  const borrows = query.terms.some((term) => term.weight < 1);
  const best = borrows ? candidates.find((candidate) => candidate.asked) : candidates[0];
  if (!best || !answers(weighed, best, passages)) return fallback;
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  return (
    composeList(best, candidates, prepared, passages) ??
    composeCode(best, prepared, passages, maxChars) ??
    composeSentences(best, candidates, passages, maxChars, query.answerTypes)
  );
}

/**
 * A question word that is no English word and that no passage has ("reconcle", "acount") stands
 * for the passage word one edit away (two for long words), as a synonym would.
 */
function repairTypos(query: Query, prepared: Prepared[]): void {
  let vocabulary: Set<string> | null = null;
  query.terms = query.terms.map((term) => {
    const asked = term.stems[0]!;
    if (term.rarity < 1 || asked.length < 5 || /\d/.test(asked)) return term;
    vocabulary ??= new Set(
      prepared.flatMap((p) => [...p.titleTerms, ...p.headingTerms, ...p.terms.flatMap((t) => [...t])]),
    );
    if (term.stems.some((stem) => vocabulary!.has(stem))) return term;
    const reach = asked.length >= 8 ? 2 : 1;
    const repairs = [...vocabulary].filter(
      (known) =>
        Math.abs(known.length - asked.length) <= reach &&
        known.length >= 4 &&
        editDistance(asked, known) <= reach,
    );
    if (repairs.length === 0) return term;
    return {
      ...term,
      stems: [...term.stems, ...repairs],
      credits: [...term.credits, ...repairs.map(() => SYNONYM_CREDIT)],
    };
  });
}

function preparePassage(passage: Passage): Prepared {
  const units = parseText(passage.text);
  const heading = passage.heading?.trim() ?? '';
  return {
    units,
    terms: units.map((unit) => new Set(contentTerms(unit.text))),
    titleTerms: new Set(contentTerms(passage.title)),
    headingTerms: new Set(contentTerms(heading)),
    headingIsQuestion: heading.endsWith('?') || (!heading && passage.title.trim().endsWith('?')),
    relevance: Math.min(1, Math.max(0, passage.score ?? 0)),
  };
}

/** 1 for the asked word, less for a synonym or relative, 0 for none of them. */
function credit(term: QueryTerm, terms: Set<string>): number {
  let best = 0;
  term.stems.forEach((stem, i) => {
    if (terms.has(stem) && term.credits[i]! > best) best = term.credits[i]!;
  });
  return best;
}

function scoreCandidates(query: Query, prepared: Prepared[], { weights, total }: Weighed): Candidate[] {
  const candidates: Candidate[] = [];
  prepared.forEach((passage, p) => {
    // The retriever's order and its relevance are evidence too: a sentence of the page that
    // matches the whole question beats one that shares more words with it on a page that does not.
    const passageBonus = RANK_BONUS / (1 + p) + RELEVANCE_BONUS * passage.relevance;
    const firstBlock = new Map<number, number>(); // section → its first content block
    let previous: Candidate | null = null;
    passage.units.forEach((unit, u) => {
      if ((unit.kind !== 'sentence' && unit.kind !== 'item' && unit.kind !== 'row') || !unit.text) return;
      // "The columns are:" before a table introduces nothing a reply can quote; "Still stuck?" in
      // running text asks, it does not answer. A lead-in to a list or to commands is quoted with
      // them, and matches on their words too ("…so they make use of it:" + "certbot --apache").
      const next = passage.units[u + 1];
      // Markup ("<script …>") is left out: a reply may be shown as HTML by whoever reads the API.
      const introduced = !unit.text.endsWith(':')
        ? undefined
        : next?.kind === 'code' && next.text.includes('<')
          ? 'markup'
          : next?.kind;
      if (unit.text.endsWith(':') && introduced !== 'item' && introduced !== 'code') return;
      if (unit.kind === 'sentence' && unit.text.endsWith('?')) return;
      if (!firstBlock.has(unit.section)) firstBlock.set(unit.section, unit.block);
      const terms =
        introduced === 'code' ? new Set([...passage.terms[u]!, ...passage.terms[u + 1]!]) : passage.terms[u]!;
      // Headings supply the words a sentence leaves implicit ("Shipping times" → "Orders arrive in
      // 3–5 days."); a question heading is the question the text under it answers.
      const inSection = unit.section >= 0;
      const sectionTerms = inSection ? passage.terms[unit.section]! : passage.headingTerms;
      const sectionIsQuestion =
        passage.units[unit.section]?.kind === 'question' || (!inSection && passage.headingIsQuestion);
      const leads = firstBlock.get(unit.section) === unit.block; // the first paragraph under a heading
      const sectionWeight = sectionIsQuestion ? (leads ? 0.9 : 0.5) : leads ? 0.5 : 0.4;
      const answersQuestion = sectionIsQuestion && leads;
      let matched = 0;
      let fromSection = 0;
      const own: number[] = [];
      let asked = false;
      query.terms.forEach((term, i) => {
        const c = credit(term, terms);
        const s = credit(term, sectionTerms);
        const t = Math.max(credit(term, passage.titleTerms), credit(term, passage.headingTerms));
        if (c > 0) own.push(i);
        if (term.weight === 1 && (c > 0 || s > 0 || t > 0)) asked = true;
        if (s > c) fromSection += (s - c) * weights[i]!;
        matched += weights[i]! * Math.max(c, sectionWeight * s, 0.3 * t);
      });
      const prev = previous?.index === u - 1 && previous.coverage >= STRONG_MATCH ? previous : null;
      const continuation = prev !== null && continues(prev, unit, query.answerTypes, answersQuestion);
      // Eligible: shares a term with the question, itself or through its heading, or continues.
      previous = null;
      if (own.length === 0 && fromSection === 0 && !continuation) return;
      const words = unit.text.split(' ').length;
      const lengthAdjust = (words < 4 && !answersQuestion ? -0.05 : 0) + (words > 45 ? -0.05 : 0);
      const typeBonus = query.answerTypes.some((re) => re.test(unit.text)) ? TYPE_BONUS : 0;
      let coverage = matched / total;
      let score = coverage + passageBonus + typeBonus + lengthAdjust;
      if (prev && continuation) {
        score = Math.max(score, CARRY * prev.score);
        coverage = Math.max(coverage, CARRY * prev.coverage);
      }
      previous = { passage: p, index: u, unit, terms, matched: own, coverage, score, continuation, asked };
      candidates.push(previous);
    });
  });
  // A total order, so equal scores always come out the same way: earlier passage, earlier unit.
  return candidates.sort((a, b) => b.score - a.score || a.passage - b.passage || a.index - b.index);
}

/**
 * Whether the passages answer the question, from three measures of the evidence: how much of the
 * question the best sentence covers, how relevant retrieval found the best passage (0..1; without a
 * score from the caller, 0: coverage alone must then reach 0.27), and the share of the question's weight in the one specific
 * word that no passage has ("Xero" in "Does it integrate with Xero?"). The weights are a logistic
 * fit on bench/quality.ts's tuning half; the bar trades false fallbacks on answerable questions
 * (10% there) against answers to unanswerable ones (4 in 10 are still answered): lexical
 * evidence cannot separate the two further, see bench/README.md.
 */
function answers({ weights, total, present }: Weighed, best: Candidate, passages: Passage[]): boolean {
  if (total <= 0) return false;
  let missing = 0;
  weights.forEach((weight, i) => {
    if (!present[i]) missing = Math.max(missing, weight / total);
  });
  const relevance = Math.min(1, Math.max(0, ...passages.map((passage) => passage.score ?? 0)));
  return (
    EVIDENCE.coverage * best.coverage + EVIDENCE.relevance * relevance - EVIDENCE.missing * missing >=
    EVIDENCE.bar
  );
}

/** Whether `unit` carries on the answer that `before`, a strong match, started. */
function continues(before: Candidate, unit: TextUnit, types: RegExp[], answersQuestion: boolean): boolean {
  if (before.unit.text.endsWith(':')) return true;
  if (unit.kind !== 'sentence' || before.unit.block !== unit.block) return false;
  // The rest of an answer under a matching question, a cue word ("Then …"), what the question asks
  // for (the numbers after "The API limits requests per key."), or anything after a short topic
  // sentence that matched on its own and cannot be the whole answer.
  const short = !before.continuation && before.unit.text.split(' ').length < 8;
  return answersQuestion || short || CONTINUES_RE.test(unit.text) || types.some((re) => re.test(unit.text));
}

interface Weighed {
  /** Per query term: its weight (1, or less when borrowed) times its idf over the passages. */
  weights: number[];
  total: number;
  /** Per query term: whether any passage has it, in its text, title or heading. */
  present: boolean[];
}

function weighTerms(query: Query, prepared: Prepared[]): Weighed {
  const docs = Math.max(prepared.length, IDF_MIN_DOCS);
  const present: boolean[] = [];
  const weights = query.terms.map((term) => {
    let df = 0;
    for (const passage of prepared) {
      const has = (terms: Set<string>): boolean => term.stems.some((s) => terms.has(s));
      if (has(passage.titleTerms) || has(passage.headingTerms) || passage.terms.some(has)) df++;
    }
    present.push(df > 0);
    // A term no passage has weighs by its rarity: "quokka" is what the question is about and the
    // passages do not cover it; "grab" or "ask" is only how it was put.
    const idf = Math.log(1 + (docs - df + 0.5) / (df + 0.5));
    return term.weight * (df > 0 ? idf : idf * Math.max(UNKNOWN_FLOOR, term.rarity));
  });
  return { weights, total: weights.reduce((sum, weight) => sum + weight, 0), present };
}

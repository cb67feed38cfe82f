// What a question asks for, as weighted groups of the bot's own lexemes. Pure: the service looks
// the words up (lexemes, document frequencies, spelling neighbours, WordNet relatives) and this
// file decides what each counts.
//
// One group per lexeme of the question. A chunk scores a group by its best member, so a page that
// says "request" where the visitor wrote "ask" matches that word, and a page that says both does
// not count it twice. A group's total is what the question's weight is made of: the share of it a
// chunk matches is its relevance.
import { STOP_WORDS, tokenize } from '../../lib/language/english-terms.ts';
import type { Relative } from '../../lib/language/wordnet.ts';
import { type Correction, fillerWeight, idf } from './retrieval-ranking.ts';

export interface Member {
  lexeme: string;
  weight: number;
  df: number;
}

export interface TermGroup {
  /** The question's lexeme. */
  lexeme: string;
  /** What the group weighs in the whole question, matched or not. */
  total: number;
  /** Lexemes of the bot's vocabulary that stand for it, heaviest first. */
  members: Member[];
}

export interface QuestionLexicon {
  /** Chunks of the bot. */
  chunks: number;
  language: string;
  /**
   * The question's lexemes (the bot's text search configuration) with their document frequency;
   * `factor` (default 1) scales what a lexeme counts: less for words borrowed from context.
   */
  terms: { lexeme: string; df: number; factor?: number }[];
  /** Surface words of the question that make each lexeme. */
  wordsOf: Map<string, string[]>;
  /** How rare a surface word is in everyday language, 0..1 (English only; see word-rarity.ts). */
  rarity: (word: string) => number;
  /** Relatives of a surface word that the bot's vocabulary has, with their lexeme and df. */
  relativesOf: (word: string) => (Relative & { lexeme: string; df: number })[];
  /** Spelling repairs of unknown lexemes. */
  corrections: Map<string, Correction>;
}

/**
 * A word no chunk contains counts at least this share of the rarest word's weight, however common
 * it is in everyday language: "ask" says little, yet a question made only of unknown words is not
 * answered by the one word it shares with a page.
 */
export const UNKNOWN_FLOOR = 0.15;
/** A relative standing in for a word the bot does not know: most of the word's meaning. */
export const STAND_IN = 0.8;
/** A relative in more than this share of the chunks (and more than the minimum) is left out. */
export const COMMON_RELATIVE_SHARE = 0.02;
export const COMMON_RELATIVE_MIN_DF = 50;
/** A relative of a word the bot knows: a page may say it either way, the visitor's word counts most. */
export const ALSO_SAID = 0.3;
/**
 * Relatives read per word: beyond the first few they are mostly noise, and each costs a postings
 * scan (8 per word took search from ~17 to ~25 ms on the GIMP manual for MRR@10 +0.002 / +0.006).
 */
export const RELATIVES_PER_WORD = 3;

export function termGroups(input: QuestionLexicon): TermGroup[] {
  const { chunks, language } = input;
  const english = language === 'english';
  const unknownWeight = idf(chunks, 0);
  const commonDf = Math.max(COMMON_RELATIVE_MIN_DF, chunks * COMMON_RELATIVE_SHARE);
  const asked = new Set(input.terms.map((term) => term.lexeme));
  const groups: TermGroup[] = [];
  const seen = new Set<string>();
  for (const term of input.terms) {
    if (seen.has(term.lexeme)) continue;
    seen.add(term.lexeme);
    const filler = fillerWeight(language, term.lexeme) * (term.factor ?? 1);
    const words = input.wordsOf.get(term.lexeme) ?? [];
    const members = new Map<string, Member>();
    const offer = (lexeme: string, df: number, weight: number) => {
      if (df <= 0 || weight <= 0) return;
      const known = members.get(lexeme);
      if (!known || known.weight < weight) members.set(lexeme, { lexeme, weight, df });
    };
    let total: number;
    if (term.df > 0) {
      total = idf(chunks, term.df) * filler;
      offer(term.lexeme, term.df, total);
      for (const word of words) {
        for (const relative of input.relativesOf(word)) {
          // The question's own word has its own group; a common relative weighs next to nothing
          // and would read thousands of postings.
          if (asked.has(relative.lexeme) || relative.df > commonDf) continue;
          // Never more than the visitor's own word.
          offer(
            relative.lexeme,
            relative.df,
            Math.min(total, idf(chunks, relative.df) * relative.weight * ALSO_SAID * filler),
          );
        }
      }
    } else {
      const correction = input.corrections.get(term.lexeme);
      if (correction)
        offer(correction.lexeme, correction.df, idf(chunks, correction.df) * correction.confidence * filler);
      for (const word of words) {
        for (const relative of input.relativesOf(word)) {
          if (asked.has(relative.lexeme) || relative.df > commonDf) continue;
          offer(relative.lexeme, relative.df, idf(chunks, relative.df) * relative.weight * STAND_IN * filler);
        }
      }
      // Numbers (ports, ids, counts in error messages) say nothing about the subject.
      const rarity =
        english && words.length > 0 ? Math.max(UNKNOWN_FLOOR, Math.min(...words.map(input.rarity))) : 1;
      const unseen = /\d/.test(term.lexeme) ? 0 : unknownWeight * rarity * filler;
      const best = Math.max(0, ...[...members.values()].map((member) => member.weight));
      // A repaired typo weighs what its repair does; a word nobody can place weighs by its rarity.
      total = correction ? best : Math.max(unseen, best);
    }
    if (total <= 0) continue;
    groups.push({
      lexeme: term.lexeme,
      total,
      members: [...members.values()].sort((a, b) => b.weight - a.weight),
    });
  }
  return groups;
}

/** Adjacent word pairs looked up as one word, per question. */
const MAX_COMPOUNDS = 12;

/** Adjacent words of a question that pages may write as one: "quick mask", "log in", "e mail". */
export function adjacentPairs(text: string): { first: string; second: string; joined: string }[] {
  const tokens = tokenize(text);
  const pairs: { first: string; second: string; joined: string }[] = [];
  for (let i = 0; i + 1 < tokens.length && pairs.length < MAX_COMPOUNDS; i++) {
    const [first, second] = [tokens[i]!, tokens[i + 1]!];
    if (!/^[a-z]+$/.test(first) || !/^[a-z]+$/.test(second) || STOP_WORDS.has(first)) continue;
    if (first.length + second.length >= 5) pairs.push({ first, second, joined: first + second });
  }
  return pairs;
}

/**
 * A page that writes two words of the question as one ("QuickMask" for "Quick Mask") matches both:
 * the joined word, where the bot knows it, becomes a full member of each word's group.
 */
export function joinCompounds(
  groups: TermGroup[],
  pairs: { first: string; second: string; joined: string }[],
  words: Map<string, { lexeme: string; df: number }[]>,
): void {
  for (const pair of pairs) {
    const joined = words.get(pair.joined);
    if (joined?.length !== 1 || joined[0]!.df === 0) continue;
    for (const part of [pair.first, pair.second]) {
      for (const { lexeme } of words.get(part) ?? []) {
        const group = groups.find((candidate) => candidate.lexeme === lexeme);
        if (!group || group.members.some((member) => member.lexeme === joined[0]!.lexeme)) continue;
        group.members.push({ lexeme: joined[0]!.lexeme, df: joined[0]!.df, weight: group.total });
        group.members.sort((a, b) => b.weight - a.weight);
      }
    }
  }
}

/** The weight of the groups that a text (its lexemes) names: each group by its best member there. */
export function namedWeight(groups: TermGroup[], lexemes: Set<string>): number {
  let named = 0;
  for (const group of groups)
    named += group.members.find((member) => lexemes.has(member.lexeme))?.weight ?? 0;
  return named;
}

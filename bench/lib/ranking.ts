// What the retrieval benchmarks share: a textbook BM25 baseline over a bot's chunks, page-level
// ranking metrics, and percentiles.
// @ts-expect-error: the package ships no types
import bm25 from 'wink-bm25-text-search';
// @ts-expect-error: the package ships no types
import nlp from 'wink-nlp-utils';

export interface IndexedChunk {
  url: string | null;
  title: string;
  heading: string;
  text: string;
}

/**
 * The baseline: BM25 (k1 1.2, b 0.75) over the same chunks, title, heading path and text as one
 * field (as Parley indexes them), lower-cased, tokenised, stop words removed, Porter-stemmed.
 * Returns a search function giving chunk indexes, best first.
 */
export function textbookBm25(chunks: IndexedChunk[]): (query: string, limit: number) => number[] {
  const engine = bm25();
  engine.defineConfig({ fldWeights: { body: 1 } });
  engine.definePrepTasks([
    nlp.string.lowerCase,
    nlp.string.tokenize0,
    nlp.tokens.removeWords,
    nlp.tokens.stem,
  ]);
  chunks.forEach((chunk, i) => {
    engine.addDoc({ body: `${chunk.title}\n${chunk.heading}\n${chunk.text}` }, i);
  });
  engine.consolidate();
  return (query, limit) => {
    try {
      return (engine.search(query, limit) as [number, number][]).map(([i]) => i);
    } catch {
      // wink throws on a query with no searchable token (emoji only, stop words only).
      return [];
    }
  };
}

/** Distinct pages in the order of their first result. */
export function pagesInOrder(pages: string[]): string[] {
  return [...new Set(pages)];
}

export interface RankMetrics {
  /** Answerable questions measured. */
  n: number;
  recall1: number;
  recall5: number;
  mrr10: number;
}

/** 0-based rank of the first right page in `ranked`, or -1. */
export function firstRightRank(ranked: string[], right: string[]): number {
  return ranked.findIndex((page) => right.includes(page));
}

export function rankMetrics(ranks: number[]): RankMetrics {
  const n = ranks.length;
  if (n === 0) return { n, recall1: Number.NaN, recall5: Number.NaN, mrr10: Number.NaN };
  let recall1 = 0;
  let recall5 = 0;
  let mrr10 = 0;
  for (const rank of ranks) {
    if (rank === 0) recall1 += 1;
    if (rank >= 0 && rank < 5) recall5 += 1;
    if (rank >= 0 && rank < 10) mrr10 += 1 / (rank + 1);
  }
  return { n, recall1: recall1 / n, recall5: recall5 / n, mrr10: mrr10 / n };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

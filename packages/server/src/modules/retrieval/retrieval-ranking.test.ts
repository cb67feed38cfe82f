import { describe, expect, it } from 'vitest';
import { editDistance } from '../../lib/language/edit-distance.ts';
import {
  chooseCorrection,
  fillerWeight,
  fuseRanks,
  idf,
  lexicalRelevance,
  minCoverage,
  oneEditVariants,
  orderByPage,
  repairable,
  vectorRelevance,
} from './retrieval-ranking.ts';

describe('idf', () => {
  it('is highest for words no chunk has and never negative', () => {
    expect(idf(1000, 0)).toBeGreaterThan(idf(1000, 1));
    expect(idf(1000, 1)).toBeGreaterThan(idf(1000, 500));
    expect(idf(1000, 1000)).toBeGreaterThan(0);
  });
});

describe('fillerWeight', () => {
  it('lowers words that say how a question is asked, in English only', () => {
    expect(fillerWeight('english', 'way')).toBeLessThan(1);
    expect(fillerWeight('english', 'vacuum')).toBe(1);
    expect(fillerWeight('german', 'way')).toBe(1);
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions', () => {
    expect(editDistance('index', 'index')).toBe(0);
    expect(editDistance('idnex', 'index')).toBe(1);
    expect(editDistance('vaccum', 'vacuum')).toBe(1);
    expect(editDistance('tabel', 'tabl')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('oneEditVariants', () => {
  it('holds every string one edit away, and not the word itself', () => {
    const variants = new Set(oneEditVariants('idnex'));
    expect(variants.has('index')).toBe(true); // transposition
    expect(variants.has('idex')).toBe(true); // deletion
    expect(variants.has('idnexs')).toBe(true); // insertion
    expect(variants.has('adnex')).toBe(true); // substitution
    expect(variants.has('idnex')).toBe(false);
  });
});

describe('chooseCorrection', () => {
  it('prefers the closest, then the more frequent known lexeme', () => {
    const candidates = [
      { lexeme: 'accum', df: 3 },
      { lexeme: 'vacuum', df: 201 },
    ];
    expect(chooseCorrection('vaccum', candidates)).toMatchObject({ lexeme: 'vacuum', df: 201 });
    expect(
      chooseCorrection('tabel', [
        { lexeme: 'tab', df: 56 },
        { lexeme: 'tabl', df: 2259 },
      ]),
    ).toMatchObject({ lexeme: 'tabl' });
  });

  it('accepts a stem the misspelled word starts with, within one edit', () => {
    expect(chooseCorrection('isolaton', [{ lexeme: 'isol', df: 79 }])).toMatchObject({ lexeme: 'isol' });
    expect(chooseCorrection('chnage', [{ lexeme: 'chang', df: 40 }])).toMatchObject({ lexeme: 'chang' });
  });

  it('leaves short words, numbers and distant candidates alone', () => {
    expect(chooseCorrection('oil', [{ lexeme: 'oid', df: 100 }])).toBeNull();
    expect(chooseCorrection('17700', [{ lexeme: '17701', df: 1 }])).toBeNull();
    expect(chooseCorrection('sourdough', [{ lexeme: 'sourc', df: 341 }])).toBeNull();
    expect(repairable('pytorch')).toBe(true);
    expect(repairable('v15')).toBe(false);
  });
});

describe('orderByPage', () => {
  it("ranks pages by their best chunk, keeping a page's chunks together, each page in score order", () => {
    const ordered = orderByPage([
      { chunkId: 'b2', documentId: 'b', score: 8, matched: 1 },
      { chunkId: 'a1', documentId: 'a', score: 10, matched: 1 },
      { chunkId: 'b1', documentId: 'b', score: 9, matched: 1 },
      { chunkId: 'b3', documentId: 'b', score: 7, matched: 1 },
      { chunkId: 'a2', documentId: 'a', score: 2, matched: 1 },
    ]);
    // Many good chunks do not outweigh one better one: long pages and indexes have many.
    expect(ordered.map((hit) => hit.chunkId)).toEqual(['a1', 'a2', 'b1', 'b2', 'b3']);
  });
});

describe('fuseRanks', () => {
  it('adds reciprocal ranks across lists', () => {
    const fused = fuseRanks([
      ['x', 'y'],
      ['y', 'z'],
    ]);
    expect(fused.get('y')).toBeGreaterThan(fused.get('x')!);
    expect(fused.get('x')).toBeGreaterThan(fused.get('z')!);
  });
});

describe('relevance', () => {
  it('maps coverage and cosine similarity to 0..1, monotonically', () => {
    expect(lexicalRelevance(0)).toBe(0);
    expect(lexicalRelevance(1)).toBe(1);
    expect(lexicalRelevance(1.7)).toBe(1);
    expect(lexicalRelevance(0.8)).toBeGreaterThan(lexicalRelevance(0.5));
    expect(vectorRelevance(0.1)).toBe(0);
    expect(vectorRelevance(1)).toBe(1);
    expect(vectorRelevance(0.7)).toBeGreaterThan(vectorRelevance(0.5));
  });

  it('inverts: the least coverage for a relevance reaches it exactly', () => {
    for (const relevance of [0, 0.05, 0.1, 0.5, 1]) {
      expect(lexicalRelevance(minCoverage(relevance))).toBeCloseTo(relevance, 10);
    }
  });
});

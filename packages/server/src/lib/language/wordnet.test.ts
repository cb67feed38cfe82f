import { describe, expect, it } from 'vitest';
import { lemmasOf, relativesOf } from './wordnet.ts';

describe('lemmasOf', () => {
  it('finds the base forms of inflected words, per part of speech', () => {
    expect(lemmasOf('refunds')).toContainEqual({ pos: 'n', lemma: 'refund' });
    expect(lemmasOf('asked')).toContainEqual({ pos: 'v', lemma: 'ask' });
    expect(lemmasOf('boxes')).toContainEqual({ pos: 'n', lemma: 'box' });
    expect(lemmasOf('qwzxv')).toEqual([]);
  });
});

describe('relativesOf', () => {
  it('gives synonyms of the commonest senses first, then derived and more general words', () => {
    const refund = relativesOf('refund').map((relative) => relative.word);
    expect(refund.slice(0, 3)).toEqual(expect.arrayContaining(['repay', 'return']));
    const reimburse = relativesOf('reimburse');
    expect(reimburse.find((relative) => relative.word === 'reimbursement')?.relation).toBe('derivation');
    expect(reimburse.map((relative) => relative.word)).toContain('refund');
    for (const relative of reimburse) {
      expect(relative.weight).toBeGreaterThan(0);
      expect(relative.weight).toBeLessThanOrEqual(1);
    }
  });

  it('works on inflected forms and never returns the word itself or phrases', () => {
    const words = relativesOf('Deleted').map((relative) => relative.word);
    expect(words).toContain('erase');
    expect(words).not.toContain('delete');
    expect(words.every((word) => !word.includes('_') && !word.includes(' '))).toBe(true);
  });

  it('knows nothing of numbers, codes or unknown words', () => {
    expect(relativesOf('pay-402')).toEqual([]);
    expect(relativesOf('x')).toEqual([]);
    expect(relativesOf('quokkaz')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { rarity, wordRank } from './word-rarity.ts';

describe('rarity', () => {
  it('is 0 for the words questions are worded with, 1 for words everyday speech never uses', () => {
    expect(rarity('ask')).toBe(0);
    expect(rarity('many')).toBe(0);
    expect(rarity('quokka')).toBe(1);
  });

  it('grows with a word’s rank in spoken English', () => {
    expect(wordRank('the')).toBeLessThan(wordRank('weather')!);
    expect(rarity('weather')).toBeGreaterThan(0);
    expect(rarity('weather')).toBeLessThan(rarity('refund'));
    expect(rarity('refund')).toBeLessThan(1);
    expect(rarity('Refund')).toBe(rarity('refund'));
  });
});

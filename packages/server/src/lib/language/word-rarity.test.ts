import { describe, expect, it } from 'vitest';
import { correctSpelling, rarity, wordRank } from './word-rarity.ts';

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

describe('correctSpelling', () => {
  it('finds the everyday word one edit away from a misspelt one', () => {
    expect(correctSpelling('chnage')).toBe('change'); // two letters swapped
    expect(correctSpelling('pasword')).toBe('password'); // a letter dropped
    expect(correctSpelling('configration')).toBe('configuration');
    expect(correctSpelling('Upgarde')).toBe('upgrade');
  });

  it('leaves real words, short words, names with digits and unknown terms alone', () => {
    expect(correctSpelling('change')).toBeNull();
    expect(correctSpelling('timezone')).toBeNull();
    expect(correctSpelling('chnge')).toBe('change');
    expect(correctSpelling('ipv6')).toBeNull();
    expect(correctSpelling('wich')).toBeNull(); // four letters: too short to tell
    expect(correctSpelling('kubernetes')).toBeNull(); // no everyday word is one edit away
    expect(correctSpelling('iphone')).toBeNull(); // a name, not "phone" misspelt
    // Longer than any listed word: no listed word is one edit away, so no candidate is tried.
    expect(correctSpelling('a'.repeat(4_000))).toBeNull();
  });
});

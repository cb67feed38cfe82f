import { describe, expect, it } from 'vitest';
import { splitSentences, splitWords } from './chunk-sentences.ts';

describe('splitSentences', () => {
  it('splits on end punctuation followed by a capital or a digit', () => {
    expect(splitSentences('Cancel any time. Refunds take 5 days! Is that all? 3 plans exist.')).toEqual([
      'Cancel any time.',
      'Refunds take 5 days!',
      'Is that all?',
      '3 plans exist.',
    ]);
  });

  it('does not split after abbreviations, initials or inside numbers and URLs', () => {
    expect(
      splitSentences('Use a card, e.g. Visa. Ask Dr. Smith or J. R. Doe about v2.5.1 at acme.example.'),
    ).toEqual(['Use a card, e.g. Visa.', 'Ask Dr. Smith or J. R. Doe about v2.5.1 at acme.example.']);
    expect(splitSentences('It costs 9.99 EUR. The U.S. Office answers.')).toEqual([
      'It costs 9.99 EUR.',
      'The U.S. Office answers.',
    ]);
  });

  it('keeps closing quotes and brackets with their sentence', () => {
    expect(splitSentences('He said "Stop." Then (really) left. "Why?" She asked.')).toEqual([
      'He said "Stop."',
      'Then (really) left.',
      '"Why?"',
      'She asked.',
    ]);
  });

  it('splits CJK text at full stops', () => {
    expect(splitSentences('返品は30日以内です。送料は無料です！質問は？')).toEqual([
      '返品は30日以内です。',
      '送料は無料です！',
      '質問は？',
    ]);
  });

  it('gives back the text when joined with spaces', () => {
    const text = 'One. Two? Three! Four e.g. five. Six';
    expect(splitSentences(text).join(' ')).toBe(text);
  });
});

describe('splitWords', () => {
  it('splits on any whitespace', () => {
    expect(splitWords('  a  b\tc\nd ')).toEqual(['a', 'b', 'c', 'd']);
  });
});

import { describe, expect, it } from 'vitest';
import { countTokens, countTokensUncached, forEachPiece, PIECE_PATTERN } from './chunk-tokens.ts';

describe('countTokens', () => {
  it('matches js-tiktoken cl100k_base on prose, code, tables, unicode and special-token text', () => {
    const samples = [
      '',
      'Hello world',
      'Refunds are issued to the original payment method within 5–10 business days.',
      "It's what they'll say: we've 'quoted' THE words, don't we?",
      'SELECT w1.city, w1.temp_lo AS low\n    FROM weather w1 JOIN weather w2\n        ON w1.temp_lo < w2.temp_lo;\n\n\n',
      '---------------+---------+---------\n San Francisco |      46 |      50',
      'Ünïcödé — 日本語のテキスト、絵文字 🎉🚀 and ελληνικά 12345678901234',
      'The token <|endoftext|> is ordinary text in a document.',
      '    indented\tand\ttabbed   lines   \n\n  - item one\n  - item two',
      'https://api.acme.example/v1/subscriptions/sub_123/cancel?refund=true&reason=too%20expensive',
    ];
    for (const sample of samples)
      expect(countTokens(sample), JSON.stringify(sample)).toBe(countTokensUncached(sample));
  });

  it('counts a piece far longer than any word in linear time, close to the exact count', () => {
    const word = 'abcdefghij'.repeat(20_000);
    const count = countTokens(word);
    // Byte-pair merging never crosses the slices a long piece is counted in: a few more tokens.
    const exactPer200 = countTokensUncached(word.slice(0, 200));
    expect(count).toBeGreaterThanOrEqual(exactPer200 * 1_000);
    expect(count).toBeLessThanOrEqual(exactPer200 * 1_000 * 1.2);
    expect(countTokens(word, 400)).toBeLessThan(500);
  });

  it('matches js-tiktoken on random words up to the longest piece counted whole', () => {
    let seed = 99;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const letters = 'etaoinshrdlucmfwypvbgkqjxzéü日本';
    for (let sample = 0; sample < 500; sample++) {
      let word = ' ';
      const length = 1 + random(64);
      for (let i = 0; i < length; i++) word += letters[random(letters.length)];
      expect(countTokens(word), word).toBe(countTokensUncached(word));
    }
  });

  it('gives the same count when called again (cache hits)', () => {
    const text = 'Annual plans can be refunded within 30 days of purchase.';
    expect(countTokens(text)).toBe(countTokens(text));
    expect(countTokens(text)).toBe(12);
  });

  it('cuts text into the same pieces as the cl100k pattern, on random tricky text', () => {
    const alphabet = [
      'a',
      'Z',
      'q',
      '7',
      '42',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '.',
      ',',
      '-',
      '(',
      ')',
      '"',
      "'",
      "'s",
      "'LL",
      'é',
      '—',
      '日',
      '🎉',
      '\u00a0',
      '\u000b',
    ];
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let sample = 0; sample < 3000; sample++) {
      let text = '';
      const length = 1 + random(30);
      for (let i = 0; i < length; i++) text += alphabet[random(alphabet.length)];
      const pieces: string[] = [];
      forEachPiece(text, (piece) => pieces.push(piece));
      expect(pieces, JSON.stringify(text)).toEqual([...text.matchAll(PIECE_PATTERN)].map((m) => m[0]));
    }
  });
});

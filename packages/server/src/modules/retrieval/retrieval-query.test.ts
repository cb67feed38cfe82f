import { describe, expect, it } from 'vitest';
import { ALSO_SAID, STAND_IN, termGroups, UNKNOWN_FLOOR } from './retrieval-query.ts';
import { idf } from './retrieval-ranking.ts';

const base = {
  chunks: 20,
  language: 'english',
  rarity: (word: string) => ({ ask: 0, quokka: 1, weather: 0.33 })[word] ?? 0.5,
  relativesOf: () => [],
  corrections: new Map(),
};

describe('termGroups', () => {
  it('weighs a word no chunk has by how rare it is in everyday language', () => {
    const groups = termGroups({
      ...base,
      terms: [
        { lexeme: 'refund', df: 2 },
        { lexeme: 'ask', df: 0 },
        { lexeme: 'quokka', df: 0 },
      ],
      wordsOf: new Map([
        ['refund', ['refund']],
        ['ask', ['ask']],
        ['quokka', ['quokka']],
      ]),
    });
    const total = (lexeme: string) => groups.find((group) => group.lexeme === lexeme)!.total;
    expect(total('refund')).toBeCloseTo(idf(20, 2));
    expect(total('ask')).toBeCloseTo(idf(20, 0) * UNKNOWN_FLOOR);
    expect(total('quokka')).toBeCloseTo(idf(20, 0));
    expect(groups.find((group) => group.lexeme === 'ask')!.members).toEqual([]);
  });

  it('lets a known relative stand in for an unknown word, and add to a known one at a discount', () => {
    const groups = termGroups({
      ...base,
      terms: [
        { lexeme: 'reimburs', df: 0 },
        { lexeme: 'parcel', df: 3 },
      ],
      wordsOf: new Map([
        ['reimburs', ['reimburse']],
        ['parcel', ['parcel']],
      ]),
      relativesOf: (word: string) =>
        word === 'reimburse'
          ? [{ word: 'refund', relation: 'synonym' as const, weight: 0.5, lexeme: 'refund', df: 1 }]
          : [{ word: 'package', relation: 'synonym' as const, weight: 1, lexeme: 'packag', df: 4 }],
    });
    const [unknown, known] = [groups[0]!, groups[1]!];
    expect(unknown.members).toEqual([{ lexeme: 'refund', df: 1, weight: idf(20, 1) * 0.5 * STAND_IN }]);
    expect(known.members[0]).toEqual({ lexeme: 'parcel', df: 3, weight: idf(20, 3) });
    expect(known.members[1]!.weight).toBeCloseTo(idf(20, 4) * ALSO_SAID);
    expect(known.total).toBeCloseTo(idf(20, 3));
  });

  it('counts numbers the bot does not know as nothing, and other languages without rarity', () => {
    const groups = termGroups({
      ...base,
      language: 'german',
      terms: [
        { lexeme: '8080', df: 0 },
        { lexeme: 'wetter', df: 0 },
      ],
      wordsOf: new Map([['wetter', ['wetter']]]),
    });
    expect(groups.map((group) => group.lexeme)).toEqual(['wetter']);
    expect(groups[0]!.total).toBeCloseTo(idf(20, 0));
  });
});

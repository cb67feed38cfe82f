import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { neutraliseCell, toCsv } from './csv.ts';

describe('neutraliseCell', () => {
  it('quotes text a spreadsheet would read as a formula, and nothing else', () => {
    for (const value of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1'])
      expect(neutraliseCell(value), JSON.stringify(value)).toBe(`'${value}`);
    for (const value of ['hello', 'a=b', ' =1', '', 'ana@example.com', -1, 0, true, null])
      expect(neutraliseCell(value), JSON.stringify(value)).toBe(value);
  });
});

describe('toCsv', () => {
  it('writes records that read back as the neutralised text', () => {
    const csv = toCsv([
      ['content', 'n'],
      ['=HYPERLINK("https://x.example","a, b")', 3],
    ]);
    expect(parse(csv)).toEqual([
      ['content', 'n'],
      [`'=HYPERLINK("https://x.example","a, b")`, '3'],
    ]);
  });
});

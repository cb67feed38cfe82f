import { describe, expect, it } from 'vitest';
import { extractCsv } from './extract-csv.ts';

const csv = (text: string | Buffer, filename = 'products.csv') =>
  extractCsv(Buffer.isBuffer(text) ? text : Buffer.from(text), { url: null, filename });

describe('extractCsv', () => {
  it('turns each record into a paragraph of "Header: value" lines', () => {
    const doc = csv('sku,name,price\nA-1,Garden hose,12.50\nA-2,Watering can,8\n');
    expect(doc.title).toBe('products');
    expect(doc.sections).toEqual([
      {
        headingPath: [],
        text: 'sku: A-1\nname: Garden hose\nprice: 12.50\n\nsku: A-2\nname: Watering can\nprice: 8',
      },
    ]);
  });

  it('handles quotes, embedded delimiters and line breaks, empty cells and short rows', () => {
    const doc = csv(
      'question,answer,notes\n"Can I return it?","Yes, within 30 days.\nKeep the box.",\n"Gift wrap?"\n',
    );
    expect(doc.sections[0]!.text).toBe(
      'question: Can I return it?\nanswer: Yes, within 30 days. Keep the box.\n\nquestion: Gift wrap?',
    );
  });

  it('recognises semicolon and tab separated files, a BOM and Windows-1252 bytes', () => {
    expect(csv('\ufeffname;price\nHose;12,50\n').sections[0]!.text).toBe('name: Hose\nprice: 12,50');
    expect(csv('name\tprice\nHose\t12\n').sections[0]!.text).toBe('name: Hose\nprice: 12');
    const latin1 = Buffer.from('ville,pays\nMontréal,Canada\n', 'latin1');
    expect(csv(latin1).sections[0]!.text).toBe('ville: Montréal\npays: Canada');
  });

  it('labels unnamed and repeated columns', () => {
    expect(csv('name,,name\nA,B,C\n').sections[0]!.text).toBe('name: A\nColumn 2: B\nname (2): C');
  });

  it('returns no section for a header without records', () => {
    expect(csv('a,b\n').sections).toEqual([]);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractCsv } from '../extraction/extract-csv.ts';
import { extractHtml } from '../extraction/extract-html.ts';
import type { Chunk, ExtractedDocument, Section } from '../source-types.ts';
import { chunkDocument } from './chunk-document.ts';
import { splitSentences } from './chunk-sentences.ts';
import { countTokensUncached } from './chunk-tokens.ts';

/** Distinct, realistic sentences: "Customers who ask about refunds (point 12) get an answer within 3 days." */
function sentence(topic: string, n: number): string {
  return `Customers who ask about ${topic} (point ${n}) usually get a complete answer within ${(n % 9) + 1} days, e.g. by email.`;
}
function paragraph(topic: string, from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => sentence(topic, from + i)).join(' ');
}
function doc(sections: Section[]): ExtractedDocument {
  return { title: 'Test', canonicalUrl: null, sections, noindex: false, nofollow: false, links: [] };
}

/** A handbook: two top-level sections with long subsections, small subsections and lists. */
const handbook = doc([
  { headingPath: ['Billing'], text: paragraph('billing', 0, 2) },
  {
    headingPath: ['Billing', 'Refunds'],
    text: [paragraph('refunds', 0, 6), paragraph('refunds', 6, 9), paragraph('refunds', 15, 4)].join('\n\n'),
  },
  { headingPath: ['Billing', 'Invoices'], text: paragraph('invoices', 0, 2) },
  { headingPath: ['Billing', 'Taxes'], text: paragraph('taxes', 0, 1) },
  {
    headingPath: ['Account'],
    text: `${paragraph('passwords', 0, 3)}\n\n${Array.from({ length: 40 }, (_, i) => `- Step ${i + 1}: open the settings page and check option ${i}.`).join('\n')}`,
  },
  { headingPath: ['Account', 'Teams'], text: paragraph('teams', 0, 30) },
]);

function sentencesOf(document: ExtractedDocument): string[] {
  return document.sections.flatMap((s) => s.text.split(/\n+/).flatMap((line) => splitSentences(line)));
}

function expectCovered(document: ExtractedDocument, chunks: Chunk[]): void {
  for (const s of sentencesOf(document)) {
    expect(
      chunks.some((chunk) => chunk.text.includes(s)),
      `sentence missing: ${s}`,
    ).toBe(true);
  }
}

describe('chunkDocument', () => {
  const chunks = chunkDocument(handbook);

  it('keeps every chunk within the target size and counts tokens exactly', () => {
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBe(countTokensUncached(chunk.text));
      expect(chunk.tokens).toBeLessThanOrEqual(400);
      expect(chunk.tokens).toBeGreaterThan(0);
    }
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  });

  it('puts every sentence of the document, whole, in some chunk', () => {
    expectCovered(handbook, chunks);
  });

  it('never starts or ends a chunk inside a sentence', () => {
    const sentences = new Set(sentencesOf(handbook));
    const headings = new Set(handbook.sections.flatMap((s) => s.headingPath));
    for (const chunk of chunks) {
      for (const line of chunk.text.split('\n')) {
        if (line === '' || line.startsWith('- ') || headings.has(line)) continue;
        for (const piece of splitSentences(line)) expect(sentences.has(piece), piece).toBe(true);
      }
    }
  });

  it('repeats the end of a chunk at the start of the next one within a section', () => {
    const teams = chunks.filter((c) => c.text.includes('about teams'));
    const refunds = chunks.filter((c) => c.text.includes('about refunds'));
    for (const run of [teams, refunds]) {
      expect(run.length).toBeGreaterThan(1);
      for (let i = 1; i < run.length; i++) {
        const first = splitSentences(run[i]!.text.split('\n')[0]!)[0]!;
        const previous = run[i - 1]!.text;
        expect(previous).toContain(first);
        const overlap = previous.slice(previous.lastIndexOf(first));
        expect(run[i]!.text.startsWith(overlap)).toBe(true);
        expect(countTokensUncached(overlap)).toBeGreaterThan(10);
        expect(countTokensUncached(overlap)).toBeLessThanOrEqual(61);
      }
    }
  });

  it('does not repeat text across a section boundary', () => {
    const first = chunks.find((c) => c.headingPath.join('/') === 'Account')!;
    expect(first.text.startsWith('Customers who ask about passwords (point 0)')).toBe(true);
  });

  it('gives chunks the heading path of the section they start in', () => {
    const paths = chunks.map((c) => c.headingPath.join('/'));
    expect(paths[0]).toBe('Billing');
    expect(paths).toContain('Billing/Refunds');
    expect(paths).toContain('Account');
    expect(paths).toContain('Account/Teams');
    for (const chunk of chunks) {
      const topic = chunk.headingPath.at(-1)!.toLowerCase();
      if (topic !== 'billing' && topic !== 'account') expect(chunk.text).toContain(`about ${topic}`);
    }
  });

  it('never mixes two top-level sections, and merges small sibling sections with their heading', () => {
    for (const chunk of chunks) {
      const billing = /billing|refunds|invoices|taxes/.test(chunk.text);
      const account = /passwords|Step \d|teams/.test(chunk.text);
      expect(billing && account).toBe(false);
    }
    const merged = chunks.find((c) => c.text.includes('about invoices'))!;
    expect(merged.headingPath).toEqual(['Billing', 'Invoices']);
    expect(merged.text).toContain('\n\nTaxes\n\nCustomers who ask about taxes (point 0)');
  });

  it('cuts long lists between items', () => {
    const steps = chunks.filter((c) => c.text.includes('- Step'));
    expect(steps.length).toBeGreaterThan(1);
    for (const chunk of steps) {
      for (const line of chunk.text.split('\n')) {
        if (line.startsWith('- Step'))
          expect(line).toMatch(/^- Step \d+: open the settings page and check option \d+\.$/);
      }
    }
  });

  it('is deterministic', () => {
    expect(chunkDocument(handbook)).toEqual(chunks);
  });

  it('respects custom sizes, and no overlap when asked', () => {
    const small = chunkDocument(handbook, { targetTokens: 120, overlapTokens: 0 });
    for (const chunk of small) expect(chunk.tokens).toBeLessThanOrEqual(120);
    expectCovered(handbook, small);
    const total = small.reduce((sum, c) => sum + c.text.length, 0);
    const withOverlap = chunkDocument(handbook, { targetTokens: 120, overlapTokens: 40 });
    expect(withOverlap.reduce((sum, c) => sum + c.text.length, 0)).toBeGreaterThan(total);
    expect(() => chunkDocument(handbook, { targetTokens: 0 })).toThrow(RangeError);
    expect(() => chunkDocument(handbook, { overlapTokens: -1 })).toThrow(RangeError);
  });

  it('keeps a sentence whole when it fits a chunk, even without room for the overlap', () => {
    const long = `This sentence is long, ${Array.from({ length: 48 }, (_, i) => `clause ${i}`).join(', ')}.`;
    const document = doc([
      { headingPath: [], text: `${paragraph('teams', 0, 8)} ${long} ${paragraph('teams', 8, 3)}` },
    ]);
    const result = chunkDocument(document, { targetTokens: 200, overlapTokens: 40 });
    expect(countTokensUncached(long)).toBeGreaterThan(160);
    expect(countTokensUncached(long)).toBeLessThanOrEqual(200);
    expect(result.some((c) => c.text === long)).toBe(true);
    for (const chunk of result) expect(chunk.tokens).toBeLessThanOrEqual(200);
    expectCovered(document, result);
  });

  it('splits a sentence longer than a chunk on words, and a word longer than a chunk anywhere', () => {
    const long = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const blob = 'x9Q'.repeat(2_000);
    const document = doc([{ headingPath: [], text: `${long}\n\n${blob}` }]);
    const result = chunkDocument(document, { targetTokens: 100, overlapTokens: 10 });
    for (const chunk of result) expect(chunk.tokens).toBeLessThanOrEqual(100);
    const words = result.map((c) => c.text).join(' ');
    for (let i = 0; i < 300; i += 37) expect(words).toContain(`word${i} word${i + 1}`);
    expect(
      result
        .map((c) => c.text)
        .join('')
        .replace(/[^xQ9]/g, '').length,
    ).toBeGreaterThanOrEqual(blob.length);
  });

  it('cuts a huge word of letters (a blob, text with no spaces) in time and within bounds', () => {
    // Random letters make one piece for the tokenizer; byte-pair merging a piece is quadratic.
    let seed = 7;
    let blob = '';
    for (let i = 0; i < 200_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      blob += String.fromCharCode(97 + (seed % 26));
    }
    const cjk = '知识库中的文档会被切分成段落'.repeat(5_000);
    const result = chunkDocument(doc([{ headingPath: [], text: `${blob}\n\n${cjk}` }]));
    expect(result.length).toBeGreaterThan(100);
    for (const chunk of result) expect(chunk.tokens).toBeLessThanOrEqual(400);
    expect(result.map((c) => c.text).join('')).toContain(blob.slice(100_000, 100_200));
  });

  it('carries the page of the section a chunk starts on', () => {
    const pdf = doc([
      { headingPath: [], text: paragraph('shipping', 0, 25), page: 1 },
      { headingPath: [], text: paragraph('exports', 0, 14), page: 2 },
      { headingPath: [], text: paragraph('webhooks', 0, 2), page: 3 },
      { headingPath: [], text: paragraph('teams', 0, 2), page: 4 },
    ]);
    const result = chunkDocument(pdf);
    expect(result.length).toBeGreaterThan(3);
    for (const chunk of result) {
      const firstSentence = splitSentences(chunk.text.split('\n')[0]!)[0]!;
      expect(chunk.page).toBe(pdf.sections.find((s) => s.text.includes(firstSentence))!.page);
    }
    // Small consecutive pages share a chunk.
    expect(result.some((c) => c.text.includes('about webhooks') && c.text.includes('about teams'))).toBe(
      true,
    );
    expectCovered(pdf, result);
  });

  it('does not let a small last subsection flow into the next top-level section', () => {
    const result = chunkDocument(
      doc([
        { headingPath: ['A'], text: paragraph('billing', 0, 20) },
        { headingPath: ['A', 'Small'], text: paragraph('invoices', 0, 1) },
        { headingPath: ['B'], text: paragraph('teams', 0, 20) },
      ]),
    );
    const small = result.find((c) => c.text.includes('about invoices'))!;
    expect(small.text).not.toContain('about teams');
  });

  it('folds a one-line intro into the next section instead of leaving it alone', () => {
    const reference = doc([
      { headingPath: ['CREATE TABLE'], text: 'CREATE TABLE — define a new table' },
      { headingPath: ['Synopsis'], text: paragraph('exports', 0, 30) },
    ]);
    const [first] = chunkDocument(reference);
    expect(first!.headingPath).toEqual(['CREATE TABLE']);
    expect(first!.text.startsWith('CREATE TABLE — define a new table\n\nSynopsis\n\nCustomers who ask')).toBe(
      true,
    );
  });

  it('folds a tiny top-level section into the chunk before it', () => {
    const reference = doc([
      { headingPath: ['Description'], text: paragraph('exports', 0, 6) },
      { headingPath: ['See Also'], text: 'CREATE DOMAIN, DROP DOMAIN' },
    ]);
    const result = chunkDocument(reference);
    expect(result).toHaveLength(1);
    expect(result[0]!.headingPath).toEqual(['Description']);
    expect(result[0]!.text.endsWith('\n\nSee Also\n\nCREATE DOMAIN, DROP DOMAIN')).toBe(true);
  });

  it('keeps a code block whole, blank lines and all, with its fences', () => {
    const code =
      'curl -X POST https://api.example.com/v1/hooks \\\n  -d url=https://example.com\n\necho done';
    const chunks = chunkDocument(
      doc([{ headingPath: ['Webhooks'], text: `Register one with:\n\`\`\`\n${code}\n\`\`\`\n\nThen wait.` }]),
    );
    expect(chunks.map((c) => c.text)).toEqual([`Register one with:\n\`\`\`\n${code}\n\`\`\`\n\nThen wait.`]);
  });

  it('fences the code of every chunk when a code block is cut between chunks', () => {
    const lines = Array.from(
      { length: 120 },
      (_, i) => `  SELECT name, price FROM products WHERE id = ${i}; -- row ${i}`,
    );
    const chunks = chunkDocument(
      doc([{ headingPath: ['Queries'], text: `Run these:\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n\nDone.` }]),
      { targetTokens: 200, overlapTokens: 30 },
    );
    expect(chunks.length).toBeGreaterThan(3);
    const seen = new Set<string>();
    for (const chunk of chunks) {
      expect(chunk.tokens).toBe(countTokensUncached(chunk.text));
      expect(chunk.tokens).toBeLessThanOrEqual(200);
      const fences = chunk.text.split('\n').filter((line) => line === '```');
      expect(fences.length % 2, chunk.text).toBe(0);
      // Every line of code sits between a fence that opens and one that closes.
      let inside = false;
      for (const line of chunk.text.split('\n')) {
        if (line === '```') inside = !inside;
        else if (line.includes('SELECT')) {
          expect(inside, line).toBe(true);
          seen.add(line);
        }
      }
    }
    // Indentation kept, and no line lost.
    expect([...seen].sort()).toEqual([...lines].sort());
  });

  it('returns no chunks for a document without text', () => {
    expect(chunkDocument(doc([]))).toEqual([]);
    expect(chunkDocument(doc([{ headingPath: ['Empty'], text: '  \n\n ' }]))).toEqual([]);
  });

  it('keeps CSV records whole', () => {
    const rows = Array.from(
      { length: 60 },
      (_, i) => `SKU-${i},Garden hose ${i} m,${(i * 1.5).toFixed(2)},"Green, durable"`,
    );
    const csv = extractCsv(Buffer.from(`sku,name,price,notes\n${rows.join('\n')}`), {
      url: null,
      filename: 'p.csv',
    });
    const result = chunkDocument(csv);
    expect(result.length).toBeGreaterThan(1);
    for (let i = 0; i < 60; i++) {
      const record = `sku: SKU-${i}\nname: Garden hose ${i} m\nprice: ${(i * 1.5).toFixed(2)}\nnotes: Green, durable`;
      expect(
        result.some((c) => c.text.includes(record)),
        `record ${i}`,
      ).toBe(true);
    }
  });
});

const pgDocs = '/usr/share/doc/postgresql-doc-15/html/';
describe.skipIf(!existsSync(pgDocs))('chunkDocument on the PostgreSQL 15 manual', () => {
  it('chunks real pages within bounds and loses no sentence', () => {
    for (const name of [
      'sql-createtable.html',
      'functions-string.html',
      'tutorial-join.html',
      'datatype-numeric.html',
    ]) {
      const document = extractHtml(readFileSync(`${pgDocs}${name}`, 'utf8'), { url: null });
      const chunks = chunkDocument(document);
      for (const chunk of chunks) expect(chunk.tokens, name).toBeLessThanOrEqual(400);
      expectCovered(document, chunks);
    }
  });
});

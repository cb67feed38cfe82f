import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Section } from '../source-types.ts';
import { extractPdf, mendPageBreaks } from './extract-pdf.ts';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../../../test/fixtures/sources/${name}`, import.meta.url));

describe('extractPdf', () => {
  it('gives one section per page, with its page number and no headings', async () => {
    const doc = await extractPdf(fixture('returns-guide.pdf'), { url: null, filename: 'returns-guide.pdf' });
    expect(doc.title).toBe('Acme Returns Guide');
    expect(doc.sections.map((s) => s.page)).toEqual([1, 2, 3]);
    for (const section of doc.sections) expect(section.headingPath).toEqual([]);
    expect(doc).toMatchObject({ canonicalUrl: null, noindex: false, nofollow: false, links: [] });
  });

  it('rebuilds paragraphs: wrapped lines joined, hyphenation mended, bullets as a list', async () => {
    const doc = await extractPdf(fixture('returns-guide.pdf'), { url: null });
    expect(doc.sections[0]!.text).toBe(
      [
        'Returns guide',
        'You can return any unused item within 30 days of delivery. Start a return from the Orders page of ' +
          'your account; we email a prepaid label and a replacement is shipped as soon as the parcel is scanned by the carrier.',
        'Refunds go back to the original payment method within 5 business days.',
        '- Keep the original packaging.\n- Include the packing slip in the parcel.',
      ].join('\n\n'),
    );
    expect(doc.sections[1]!.text).toContain(
      'If an item arrives damaged, take a photo of the parcel and of the item before you unpack it further.',
    );
    expect(doc.sections[2]!.text).toContain('Write to returns@example.com or call +1 555 0100');
  });

  it('fails on a damaged PDF instead of returning nothing', async () => {
    await expect(extractPdf(Buffer.from('%PDF-1.4 truncated'), { url: null })).rejects.toThrow();
  });

  it('completes a sentence cut by a page break on the page where it starts', () => {
    const sections: Section[] = [
      { headingPath: [], text: 'Intro.\n\nThe refund is', page: 1 },
      { headingPath: [], text: 'issued within 5 days.\n\nNext topic.', page: 2 },
      { headingPath: [], text: 'A new page starts a sentence.', page: 3 },
      { headingPath: [], text: 'Hyphenated over the break: replace-', page: 4 },
      { headingPath: [], text: 'ment shipped.', page: 5 },
    ];
    mendPageBreaks(sections);
    expect(sections).toEqual([
      { headingPath: [], text: 'Intro.\n\nThe refund is issued within 5 days.', page: 1 },
      { headingPath: [], text: 'Next topic.', page: 2 },
      { headingPath: [], text: 'A new page starts a sentence.', page: 3 },
      { headingPath: [], text: 'Hyphenated over the break: replacement shipped.', page: 4 },
    ]);
  });
});

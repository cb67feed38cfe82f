import { describe, expect, it } from 'vitest';
import { decodeText, extractPlainText, normalizeText, titleFromName } from './extract-text.ts';

describe('extractPlainText', () => {
  it('makes one section and takes the title from a short first line', () => {
    const doc = extractPlainText(
      Buffer.from('Opening hours\r\n\r\n\r\n\r\nMonday to Friday, 9 to 5.  \r\n'),
      {
        url: null,
        filename: 'hours.txt',
      },
    );
    expect(doc).toEqual({
      title: 'Opening hours',
      canonicalUrl: null,
      sections: [{ headingPath: [], text: 'Opening hours\n\nMonday to Friday, 9 to 5.' }],
      noindex: false,
      nofollow: false,
      links: [],
    });
  });

  it('falls back to the file name when the first line is a long paragraph', () => {
    const long = `${'This first line is a long paragraph rather than a title. '.repeat(4)}\nMore.`;
    expect(extractPlainText(Buffer.from(long), { url: null, filename: 'faq/returns-2024.txt' }).title).toBe(
      'returns-2024',
    );
  });

  it('returns no section for an empty file', () => {
    expect(extractPlainText(Buffer.from('  \n\n'), { url: null, filename: 'empty.txt' }).sections).toEqual(
      [],
    );
  });
});

describe('text helpers', () => {
  it('decodes UTF-8, UTF-16 with a BOM, declared charsets and falls back to Windows-1252', () => {
    expect(decodeText(Buffer.from('café', 'utf8'))).toBe('café');
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hé', 'utf16le')]))).toBe('hé');
    expect(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
    expect(decodeText(Buffer.from([0xc3, 0xa9]), 'iso-8859-1')).toBe('Ã©');
  });

  it('normalises control characters, zero-width spaces and blank lines', () => {
    expect(normalizeText('\ufeffa\u200bb\u0000c\u00a0d\n\n\n\ne  \t\n')).toBe('abc d\n\ne');
  });

  it('derives a title from a file name or a URL', () => {
    expect(titleFromName('C:\\docs\\Price list.final.xlsx', null)).toBe('Price list.final');
    expect(titleFromName(null, 'https://x.example/help/refund%20policy.html?x=1')).toBe('refund policy');
    expect(titleFromName(null, null)).toBe('');
  });
});

import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ExtractInput } from '../source-types.ts';
import { detectFormat, extractDocument, UnsupportedDocumentError } from './extract-document.ts';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../../../test/fixtures/sources/${name}`, import.meta.url));
const input = (
  body: Buffer | string,
  contentType = '',
  filename: string | null = null,
  url: string | null = null,
) =>
  ({
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    contentType,
    filename,
    url,
  }) satisfies ExtractInput;

/** A minimal ZIP archive holding the named (empty) entries. */
function zip(names: string[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const data = deflateRawSync(Buffer.from('<x/>'));
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(4, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(4, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, Buffer.from(name), data);
    centrals.push(central, Buffer.from(name));
    offset += 30 + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('detectFormat', () => {
  it('trusts the bytes of PDFs and Word documents over the declared type', () => {
    expect(detectFormat(input(fixture('returns-guide.pdf'), 'text/html'))).toBe('pdf');
    expect(detectFormat(input(fixture('handbook.docx'), 'application/octet-stream', 'upload.bin'))).toBe(
      'docx',
    );
  });

  it('uses the content type, then the file extension, then the text itself', () => {
    expect(detectFormat(input('<p>x</p>', 'text/html; charset=utf-8'))).toBe('html');
    expect(detectFormat(input('# Title', 'text/markdown'))).toBe('markdown');
    expect(detectFormat(input('a,b\n1,2', 'text/csv'))).toBe('csv');
    expect(detectFormat(input('# Title', 'text/plain', 'README.md'))).toBe('markdown');
    expect(detectFormat(input('a;b\n1;2', 'application/octet-stream', 'export.CSV'))).toBe('csv');
    expect(detectFormat(input('# Title', '', null, 'https://x.example/docs/intro.md?raw=1'))).toBe(
      'markdown',
    );
    expect(detectFormat(input('\ufeff<!DOCTYPE html><html><body>Hi</body></html>', ''))).toBe('html');
    expect(
      detectFormat(input('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml">', '')),
    ).toBe('html');
    expect(detectFormat(input('Just some notes.', ''))).toBe('text');
    expect(detectFormat(input('<b>not sniffed</b> when declared', 'text/plain'))).toBe('text');
  });

  it('throws UnsupportedDocumentError naming what the document is', () => {
    const cases: [ExtractInput, RegExp][] = [
      [input(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])), /PNG image/],
      [input(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'image/jpeg'), /JPEG image/],
      [input(Buffer.from('GIF89a....'), 'image/gif'), /GIF image/],
      [input(zip(['readme.txt', 'data/file.bin'])), /ZIP archive/],
      [input(zip(['xl/workbook.xml', '[Content_Types].xml']), '', 'prices.xlsx'), /Excel spreadsheet/],
      [input('{"a": 1}', 'application/json'), /application\/json/],
      [input('plain', 'video/mp4'), /video\/mp4/],
      [input('whatever', '', 'old.doc'), /Word 97–2003/],
      [input('<html>Not found</html>', 'application/pdf'), /declared as application\/pdf/],
      [input(Buffer.from([0, 1, 2, 3, 0, 0, 7, 8]), 'application/octet-stream'), /binary file/],
    ];
    for (const [given, message] of cases) {
      let error: unknown;
      try {
        detectFormat(given);
      } catch (caught) {
        error = caught;
      }
      expect(error, String(message)).toBeInstanceOf(UnsupportedDocumentError);
      expect((error as Error).message).toMatch(message);
      expect(error).toMatchObject({
        type: 'invalid_request_error',
        code: 'unsupported_document',
        status: 400,
      });
    }
  });
});

describe('extractDocument', () => {
  it('extracts an HTML page in its declared legacy charset', async () => {
    // Stored as UTF-8 so tools can read it; served, as the page says, in ISO-8859-1.
    const latin1 = Buffer.from(fixture('legacy-layout.html').toString('utf8'), 'latin1');
    const doc = await extractDocument(input(latin1, 'text/html', null, 'https://shop.example/shipping.html'));
    expect(doc.title).toBe('Shipping times');
    expect(doc.sections[0]!.text).toContain('Lyon (département du Rhône)');
  });

  it('dispatches every supported format', async () => {
    const pdf = await extractDocument(input(fixture('returns-guide.pdf'), 'application/pdf', 'returns.pdf'));
    expect(pdf.sections[0]!.page).toBe(1);
    const docx = await extractDocument(input(fixture('handbook.docx'), '', 'handbook.docx'));
    expect(docx.sections[0]!.headingPath).toEqual(['Getting started']);
    const md = await extractDocument(input('---\ntitle: T\n---\n# H\n\nBody.', 'text/markdown', 'a.md'));
    expect(md).toMatchObject({ title: 'T', sections: [{ headingPath: ['H'], text: 'Body.' }] });
    const csv = await extractDocument(input('name,price\nHose,12', 'text/csv', 'prices.csv'));
    expect(csv).toMatchObject({
      title: 'prices',
      sections: [{ headingPath: [], text: 'name: Hose\nprice: 12' }],
    });
    const text = await extractDocument(
      input('Opening hours\n\nMonday to Friday.', 'text/plain', 'hours.txt'),
    );
    expect(text).toMatchObject({
      title: 'Opening hours',
      sections: [{ text: 'Opening hours\n\nMonday to Friday.' }],
    });
  });

  it('rejects an image upload with a message that names it', async () => {
    await expect(
      extractDocument(input(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]), 'image/png', 'logo.png')),
    ).rejects.toThrow(/Unsupported document type: PNG image/);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeDocx } from '../../../../test/helpers/zip-writer.ts';
import { extractDocument } from './extract-document.ts';
import { extractDocx } from './extract-docx.ts';
import { readZipEntry, zipEntries } from './extract-zip.ts';

const handbook = readFileSync(new URL('../../../../test/fixtures/sources/handbook.docx', import.meta.url));

describe('extractDocx', () => {
  it('keeps Word headings as heading paths and takes the title from the document properties', async () => {
    const doc = await extractDocx(handbook, { url: null, filename: 'handbook.docx' });
    expect(doc.title).toBe('Acme Customer Handbook');
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      ['Getting started'],
      ['Getting started', 'Creating an account'],
      ['Billing'],
      ['Billing', 'Refunds'],
      ['Support'],
    ]);
  });

  it('renders paragraphs, nested lists and tables, and leaves the Title paragraph out of the text', async () => {
    const doc = await extractDocx(handbook, { url: null });
    const text = doc.sections.map((s) => s.text).join('\n\n');
    expect(text).not.toContain('Acme Customer Handbook');
    expect(doc.sections[1]!.text).toBe(
      'Open the sign-up page and enter your work email address. We send a confirmation link that stays valid for 24 hours.\n\n' +
        '- Choose a strong password of at least 12 characters.\n' +
        '- Enable two-factor authentication in your profile.\n' +
        '  - Use an authenticator app or a hardware key.',
    );
    expect(doc.sections[3]!.text).toContain(
      'Plan | Price\nStarter | 9 EUR per month\nBusiness | 49 EUR per month',
    );
  });
});

describe('zip reading', () => {
  it('lists entries and inflates one', () => {
    expect(zipEntries(handbook).map((e) => e.name)).toContain('word/document.xml');
    expect(readZipEntry(handbook, 'docProps/core.xml')!.toString('utf8')).toContain(
      '<dc:title>Acme Customer Handbook</dc:title>',
    );
    expect(readZipEntry(handbook, 'missing.xml')).toBeNull();
    expect(zipEntries(Buffer.from('not a zip at all'))).toEqual([]);
  });

  it('refuses a zip bomb before unpacking it: too large in all, too compressed, or lying headers', async () => {
    const read = (body: Buffer) =>
      extractDocument({ body, contentType: '', url: null, filename: 'bomb.docx' });
    // ~100 KB that would unpack to 100 MB.
    const huge = writeDocx(['Hello'], { padding: 100 * 1024 * 1024 });
    expect(huge.length).toBeLessThan(200_000);
    await expect(read(huge)).rejects.toThrow(/DOCX file cannot be read: it unpacks to more than 64 MB/);
    // Under the total, but 1,000 times smaller than what it unpacks to.
    await expect(read(writeDocx(['Hello'], { padding: 20 * 1024 * 1024 }))).rejects.toThrow(
      /its part word\/document.xml unpacks to 20 MB from \d+ bytes/,
    );
    // The header says 1,000 bytes; the part inflates to 5 MB.
    await expect(read(writeDocx(['Hello'], { padding: 5 * 1024 * 1024, understate: true }))).rejects.toThrow(
      /does not unpack to the size its header gives/,
    );
    // The same shape, honest and small, reads.
    const fine = await read(writeDocx(['Refunds take five days.'], { padding: 1000 }));
    expect(fine.sections[0]!.text).toBe('Refunds take five days.');
  });
});

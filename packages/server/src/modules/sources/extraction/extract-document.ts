// One entry point for every document Parley ingests, fetched or uploaded. The format is decided
// by the bytes first (a PDF served as text/html is still a PDF), then the declared content type,
// then the file name, then a look at the text itself.

import type { ExtractedDocument, ExtractInput } from '../source-types.ts';
import { extractCsv } from './extract-csv.ts';
import { extractDocx } from './extract-docx.ts';
import { UnsupportedDocumentError } from './extract-errors.ts';
import { extractHtml } from './extract-html.ts';
import { extractMarkdown } from './extract-markdown.ts';
import { extractPdf } from './extract-pdf.ts';
import { decodeText, extractPlainText, titleFromName } from './extract-text.ts';
import { isZip, zipEntries } from './extract-zip.ts';

export { UnsupportedDocumentError } from './extract-errors.ts';

export type DocumentFormat = 'html' | 'pdf' | 'docx' | 'markdown' | 'text' | 'csv';

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const TYPE_FORMATS: Record<string, DocumentFormat> = {
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  [DOCX_TYPE]: 'docx',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/comma-separated-values': 'csv',
  'text/tab-separated-values': 'csv',
  'text/plain': 'text',
};

const EXTENSION_FORMATS: Record<string, DocumentFormat> = {
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  pdf: 'pdf',
  docx: 'docx',
  md: 'markdown',
  markdown: 'markdown',
  mdx: 'markdown',
  csv: 'csv',
  tsv: 'csv',
  txt: 'text',
  text: 'text',
  log: 'text',
  rst: 'text',
};

/** Names for what we recognise but cannot read, so the error says what the file is. */
const UNSUPPORTED_EXTENSIONS: Record<string, string> = {
  doc: 'Word 97–2003 document (.doc)',
  xls: 'Excel spreadsheet (.xls)',
  xlsx: 'Excel spreadsheet (.xlsx)',
  ppt: 'PowerPoint presentation (.ppt)',
  pptx: 'PowerPoint presentation (.pptx)',
  odt: 'OpenDocument text (.odt)',
  rtf: 'RTF document',
  epub: 'EPUB book',
  zip: 'ZIP archive',
};

/** Magic numbers of binary formats people upload by mistake. */
const SIGNATURES: [bytes: number[], name: string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'PNG image'],
  [[0xff, 0xd8, 0xff], 'JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'GIF image'],
  [[0x42, 0x4d], 'BMP image'],
  [[0x1f, 0x8b], 'gzip archive'],
  [[0x52, 0x61, 0x72, 0x21], 'RAR archive'],
  [[0x37, 0x7a, 0xbc, 0xaf], '7z archive'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'legacy Microsoft Office document (.doc/.xls/.ppt)'],
  [[0x7b, 0x5c, 0x72, 0x74, 0x66], 'RTF document'],
  [[0x7f, 0x45, 0x4c, 0x46], 'executable (ELF)'],
  [[0x4d, 0x5a], 'executable (Windows)'],
];

function startsWith(body: Buffer, bytes: number[], at = 0): boolean {
  return body.length >= at + bytes.length && bytes.every((byte, i) => body[at + i] === byte);
}

function extensionOf(name: string | null | undefined): string {
  if (!name) return '';
  const path = name.split(/[?#]/, 1)[0]!;
  const match = /\.([a-z0-9]{1,10})$/i.exec(path);
  return match ? match[1]!.toLowerCase() : '';
}

function parseContentType(header: string): { type: string; charset: string | null } {
  const [type = '', ...params] = header.split(';');
  const charset = params.map((p) => /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(p)?.[1]).find(Boolean) ?? null;
  return { type: type.trim().toLowerCase(), charset };
}

/** What a ZIP-based file is: only a Word document is readable. */
function zipKind(body: Buffer): DocumentFormat | string {
  const names = zipEntries(body).map((entry) => entry.name);
  if (names.includes('word/document.xml')) return 'docx';
  if (names.some((name) => name.startsWith('xl/'))) return 'Excel spreadsheet (.xlsx)';
  if (names.some((name) => name.startsWith('ppt/'))) return 'PowerPoint presentation (.pptx)';
  if (names.includes('mimetype')) return 'OpenDocument or EPUB file';
  return 'ZIP archive';
}

/** Bytes that cannot be text: NUL bytes, or many control characters, in the first 8 KiB. */
function looksBinary(body: Buffer): boolean {
  const sample = body.subarray(0, 8192);
  let controls = 0;
  for (const byte of sample) {
    if (byte === 0) return true;
    if (byte < 9 || (byte > 13 && byte < 32)) controls++;
  }
  return controls > sample.length * 0.02;
}

function looksLikeHtml(head: string): boolean {
  return /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]/i.test(
    head,
  );
}

/**
 * Decides the format of a document. Throws UnsupportedDocumentError, naming what the document
 * looks like, for everything Parley cannot extract text from.
 */
export function detectFormat(input: ExtractInput): DocumentFormat {
  const { body } = input;
  const { type } = parseContentType(input.contentType ?? '');
  const extension = extensionOf(input.filename) || extensionOf(input.url ? safePath(input.url) : '');

  if (startsWith(body, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf';
  if (isZip(body)) {
    const kind = zipKind(body);
    if (kind === 'docx') return 'docx';
    throw new UnsupportedDocumentError(kind);
  }
  for (const [bytes, name] of SIGNATURES)
    if (startsWith(body, bytes)) throw new UnsupportedDocumentError(name);
  if (startsWith(body, [0x52, 0x49, 0x46, 0x46]) && startsWith(body, [0x57, 0x45, 0x42, 0x50], 8)) {
    throw new UnsupportedDocumentError('WebP image');
  }

  const declared = TYPE_FORMATS[type];
  // Servers and browsers label .md and .csv files text/plain or application/octet-stream.
  const byExtension = EXTENSION_FORMATS[extension];
  if (declared && declared !== 'text')
    return declared === 'pdf' || declared === 'docx' ? fail(type) : declared;
  if (/^(?:image|video|audio|font)\//.test(type)) throw new UnsupportedDocumentError(type);
  if (byExtension === 'pdf' || byExtension === 'docx') fail(`.${extension} file`);
  if (byExtension) return byExtension;
  if (UNSUPPORTED_EXTENSIONS[extension])
    throw new UnsupportedDocumentError(UNSUPPORTED_EXTENSIONS[extension]!);
  if (looksBinary(body))
    throw new UnsupportedDocumentError(type && type !== 'application/octet-stream' ? type : 'binary file');
  if (declared === 'text') return 'text';
  // No usable type (an upload with none, application/octet-stream): look at the text.
  if (looksLikeHtml(decodeText(body.subarray(0, 2048)))) return 'html';
  if (type === '' || type === 'application/octet-stream' || type.startsWith('text/')) return 'text';
  throw new UnsupportedDocumentError(type);
}

/** A declared PDF or DOCX whose bytes are not one (an error page served with the file's type). */
function fail(type: string): never {
  throw new UnsupportedDocumentError(
    type,
    `The document is declared as ${type} but its content is not a valid file of that kind.`,
  );
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

/** Extracts the text, structure and links of one fetched or uploaded document. */
export async function extractDocument(input: ExtractInput): Promise<ExtractedDocument> {
  const format = detectFormat(input);
  const { charset } = parseContentType(input.contentType ?? '');
  const options = { url: input.url, filename: input.filename ?? null, charset };
  switch (format) {
    case 'html':
      return extractHtml(decodeText(input.body, charset ?? metaCharset(input.body)), {
        url: input.url,
        fallbackTitle: titleFromName(input.filename, input.url),
      });
    case 'pdf':
      return extractPdf(input.body, options);
    case 'docx':
      return extractDocx(input.body, options);
    case 'markdown':
      return extractMarkdown(input.body, options);
    case 'csv':
      return extractCsv(input.body, options);
    case 'text':
      return extractPlainText(input.body, options);
  }
}

/** <meta charset> or http-equiv Content-Type in the first 1 KiB, as browsers look for it. */
function metaCharset(body: Buffer): string | null {
  const head = body.subarray(0, 1024).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1] ?? null;
}

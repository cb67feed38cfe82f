// Word documents: mammoth turns the document into semantic HTML (Heading 1–6 styles become h1–h6,
// lists ul/ol, tables), which goes through the same section walker as web pages.
import { parseHTML } from 'linkedom';
import mammoth from 'mammoth';
import type { ExtractedDocument } from '../source-types.ts';
import { headingLabel } from './extract-html-nodes.ts';
import { sectionsFromDom } from './extract-html-sections.ts';
import { titleFromName } from './extract-text.ts';
import { checkArchiveSize, readZipEntry } from './extract-zip.ts';

export interface DocxExtractOptions {
  url: string | null;
  filename?: string | null;
}

/** Word's Title style is the document's title, not a section; mammoth does not map it by default. */
const STYLE_MAP = [
  "p[style-name='Title'] => p.docx-title:fresh",
  "p[style-name='Subtitle'] => p.docx-subtitle:fresh",
];

/** dc:title from docProps/core.xml, what Word shows under File › Properties. */
function coreTitle(body: Buffer): string | null {
  const core = readZipEntry(body, 'docProps/core.xml');
  if (!core) return null;
  const match = /<dc:title>([\s\S]*?)<\/dc:title>/.exec(core.toString('utf8'));
  if (!match) return null;
  const title = match[1]!
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return title || null;
}

export async function extractDocx(body: Buffer, options: DocxExtractOptions): Promise<ExtractedDocument> {
  // mammoth inflates every part it reads with no limit.
  await checkArchiveSize(body, 'DOCX');
  const { value: html } = await mammoth.convertToHtml({ buffer: body }, { styleMap: STYLE_MAP });
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const titleParagraph = document.querySelector('p.docx-title');
  const styledTitle = titleParagraph ? headingLabel(titleParagraph) : '';
  // The title is metadata; left in the body it would be a stray first paragraph.
  titleParagraph?.remove();
  const firstHeading = document.querySelector('h1, h2, h3');
  const title =
    coreTitle(body) ||
    styledTitle ||
    (firstHeading ? headingLabel(firstHeading) : '') ||
    titleFromName(options.filename, options.url);
  return {
    title,
    canonicalUrl: null,
    sections: sectionsFromDom(document.body),
    noindex: false,
    nofollow: false,
    links: [],
  };
}

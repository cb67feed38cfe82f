// Writes a small PDF 1.4 file for tests: one page per entry, each a list of paragraphs set in
// the standard Helvetica font (nothing embedded), wrapped lines, uncompressed content streams.

const LINE_CHARS = 85;
const LINE_GAP = 15;
const PARAGRAPH_GAP = 22;

function wrap(paragraph: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/\s+/)) {
    if (line && line.length + 1 + word.length > LINE_CHARS) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

const pdfString = (text: string) => text.replace(/[\\()]/g, (c) => `\\${c}`);

function pageContent(paragraphs: string[]): string {
  let y = 720;
  const commands: string[] = [];
  for (const paragraph of paragraphs) {
    for (const line of wrap(paragraph)) {
      if (y < 60) throw new Error('Too much text for one page: split it over more pages.');
      commands.push(`BT /F1 11 Tf 72 ${y} Td (${pdfString(line)}) Tj ET`);
      y -= LINE_GAP;
    }
    y -= PARAGRAPH_GAP - LINE_GAP;
  }
  return `${commands.join('\n')}\n`;
}

/** The bytes of a PDF whose page n (from 1) holds `pages[n - 1]`'s paragraphs; ASCII text only. */
export function buildPdf(pages: string[][], title: string): Buffer {
  const fontId = 3 + pages.length * 2;
  const infoId = fontId + 1;
  const objects: string[] = [];
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  const kids = pages.map((_, i) => `${3 + i * 2} 0 R`).join(' ');
  objects[2] = `<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`;
  pages.forEach((paragraphs, i) => {
    const content = pageContent(paragraphs);
    objects[3 + i * 2] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${4 + i * 2} 0 R >>`;
    objects[4 + i * 2] = `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`;
  });
  objects[fontId] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[infoId] = `<< /Title (${pdfString(title)}) >>`;

  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(body, 'latin1');
    body += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) body += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info ${infoId} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

const sentences = (topic: string, facts: string[]) =>
  facts.map((fact, i) => `${topic} note ${i + 1}: ${fact}`).join(' ');

/** A customer guide of three pages (shipping, returns, damaged parcels), each long enough to be its own passage. */
export const CUSTOMER_GUIDE_PAGES: string[][] = [
  [
    'Shipping',
    sentences('Shipping', [
      'Orders placed before noon leave our warehouse on the same working day.',
      'Standard delivery within the country takes two to four working days.',
      'Express delivery arrives the next working day for orders placed before noon.',
      'Shipping is free for orders above fifty euros, otherwise it costs four euros ninety.',
      'We ship with three carriers and choose the fastest one for your address.',
      'A tracking link is emailed as soon as the carrier scans the parcel.',
      'Parcels to islands and mountain villages may take one extra working day.',
      'We do not deliver to post office boxes because carriers need a signature.',
      'International orders leave from the same warehouse and take five to nine days.',
      'Customs duties outside the union are paid by the recipient on delivery.',
      'You can change the delivery address until the parcel leaves the warehouse.',
      'Orders with several items may arrive in more than one parcel.',
      'Large furniture is delivered by a freight partner who calls to book a slot.',
      'Deliveries are made from Monday to Saturday between eight and eight.',
    ]),
  ],
  [
    'Returns',
    sentences('Returns', [
      'You can return any unused item within thirty days of delivery.',
      'Start a return from the orders page of your account and print the label.',
      'The return label is prepaid for every order shipped within the country.',
      'Pack the item in its original packaging with the packing slip inside.',
      'Drop the parcel at any post office or parcel shop of the carrier.',
      'Refunds go back to the original payment method within five business days.',
      'Items bought in a sale can be returned for a refund like any other item.',
      'Personalised items and opened cosmetics cannot be returned for hygiene reasons.',
      'Gift returns are refunded as store credit to the person who returns them.',
      'We email you when the parcel reaches the warehouse and again at the refund.',
      'An exchange for another size is free and ships as soon as the return is scanned.',
      'Returns from abroad are paid by the customer unless the item was faulty.',
      'The shipping cost of the original order is refunded when the whole order returns.',
      'Keep the receipt of the carrier until the refund has arrived.',
    ]),
  ],
  [
    'Damaged parcels',
    sentences('Damage', [
      'If a parcel arrives damaged, photograph the box before you open it any further.',
      'Photograph the damaged item as well, showing the breakage clearly.',
      'Send both photographs to support within seven days of delivery.',
      'We replace damaged items free of charge, including the shipping.',
      'You do not need to send a damaged item back unless support asks for it.',
      'A replacement leaves the warehouse within one working day of your report.',
      'If the item is out of stock, we refund it in full instead of replacing it.',
      'Glass and ceramics are packed in double boxes to keep breakage rare.',
      'Refuse a parcel whose box is visibly crushed, and tell support the same day.',
      'The carrier may collect a damaged parcel for inspection at no cost to you.',
      'Missing items in a parcel are handled like damage: report them within seven days.',
      'Keep all packaging until support has closed the damage report.',
      'Damage reports are answered within one working day by our support team.',
      'Repeated damage on one route is reported to the carrier by our logistics team.',
    ]),
  ],
];

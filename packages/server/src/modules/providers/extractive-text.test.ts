import { describe, expect, it } from 'vitest';
import { contentTerms, stem, synonymsOf, tokenize } from '../../lib/language/english-terms.ts';
import { looksLikeCode, parseText, splitSentences } from './extractive-text.ts';

describe('stem (Porter)', () => {
  it('matches the reference stemmer on its classic examples', () => {
    const expected: Record<string, string> = {
      caresses: 'caress',
      ponies: 'poni',
      cats: 'cat',
      agreed: 'agre',
      plastered: 'plaster',
      motoring: 'motor',
      hopping: 'hop',
      filing: 'file',
      happy: 'happi',
      relational: 'relat',
      conditional: 'condit',
      generalizations: 'gener',
      hopefulness: 'hope',
      electrical: 'electr',
      adjustment: 'adjust',
      adoption: 'adopt',
      controll: 'control',
      roll: 'roll',
    };
    for (const [word, stemmed] of Object.entries(expected)) expect(stem(word), word).toBe(stemmed);
  });

  it('brings support vocabulary to one form', () => {
    expect(new Set(['refund', 'refunds', 'refunded', 'refunding'].map(stem))).toEqual(new Set(['refund']));
    expect(new Set(['ship', 'shipping', 'shipped', 'ships'].map(stem))).toEqual(new Set(['ship']));
    expect(stem('cancellation')).toBe(stem('cancel'));
    expect(stem('passwords')).toBe('password');
  });

  it('leaves numbers, short words and non-ASCII words alone', () => {
    expect(stem('2fa')).toBe('2fa');
    expect(stem('is')).toBe('is');
    expect(stem('größe')).toBe('größe');
  });
});

describe('tokenize and contentTerms', () => {
  it('keeps numbers with separators and folds curly apostrophes', () => {
    expect(tokenize('It’s 3.5 GB, or 1,000 files!')).toEqual(["it's", '3.5', 'gb', 'or', '1,000', 'files']);
  });

  it('drops stop words and possessives, and stems the rest', () => {
    expect(contentTerms("How do I reset my account's passwords?")).toEqual(['reset', 'account', 'password']);
  });

  it('drops question filler only when asked to', () => {
    const filler = new Set(['work']);
    expect(contentTerms('How do refunds work?', filler)).toEqual(['refund']);
    expect(contentTerms('How do refunds work?')).toEqual(['refund', 'work']);
  });
});

describe('synonymsOf', () => {
  it('links question words to the words help articles use', () => {
    expect(synonymsOf(stem('cost'))).toContain(stem('price'));
    expect(synonymsOf(stem('keep'))).toContain(stem('retain'));
    expect(synonymsOf(stem('keep'))).not.toContain(stem('keep'));
    expect(synonymsOf('zebra')).toEqual([]);
  });
});

describe('splitSentences', () => {
  it('splits on sentence ends', () => {
    expect(splitSentences('Refunds take 5 days. Is it free? Yes! Contact us.')).toEqual([
      'Refunds take 5 days.',
      'Is it free?',
      'Yes!',
      'Contact us.',
    ]);
  });

  it('does not break abbreviations, initials, decimals, URLs or emails', () => {
    const text =
      'Use a browser, e.g. Firefox or Chrome, i.e. a modern one. Dr. Lee wrote it with J. Smith. ' +
      'Version 3.5 is out at https://example.com/docs/v3.5/index.html today. Email help@example.com for access. ' +
      'See No. 5 for details.';
    expect(splitSentences(text)).toEqual([
      'Use a browser, e.g. Firefox or Chrome, i.e. a modern one.',
      'Dr. Lee wrote it with J. Smith.',
      'Version 3.5 is out at https://example.com/docs/v3.5/index.html today.',
      'Email help@example.com for access.',
      'See No. 5 for details.',
    ]);
  });

  it('ends a sentence after a dotted abbreviation only when a sentence follows', () => {
    expect(splitSentences('We ship within the U.S. Orders abroad take longer.')).toEqual([
      'We ship within the U.S.',
      'Orders abroad take longer.',
    ]);
    expect(splitSentences('Open 9 a.m. to 6 p.m. CET. Closed on Sundays.')).toEqual([
      'Open 9 a.m. to 6 p.m. CET.',
      'Closed on Sundays.',
    ]);
  });

  it('joins lines and keeps closing quotes and brackets with their sentence', () => {
    expect(splitSentences('Click "Save." Then\n  close the tab. (It saves itself.) Done.')).toEqual([
      'Click "Save."',
      'Then close the tab.',
      '(It saves itself.)',
      'Done.',
    ]);
  });
});

describe('looksLikeCode', () => {
  it('tells commands and code from prose', () => {
    expect(looksLikeCode('curl -X POST https://api.example.com/v1/chat')).toBe(true);
    expect(looksLikeCode('$ npm install parley')).toBe(true);
    expect(looksLikeCode('const x = await fetch(url);')).toBe(true);
    expect(looksLikeCode('if (a < b) { return c; }')).toBe(true);
    expect(looksLikeCode('Prices (in USD) exclude VAT.')).toBe(false);
    expect(looksLikeCode('Go to Settings > Billing.')).toBe(false);
  });
});

describe('parseText', () => {
  const kinds = (text: string) => parseText(text).map((unit) => [unit.kind, unit.text]);

  it('reads Markdown headings, numbered steps with continuation lines, and bullets', () => {
    const units = parseText(
      '# Reset\nTo reset your password:\n1. Open the app.\n2. Click **Forgot password?**\n   It is below the form.\n\n- Fast\n- Free',
    );
    expect(units.map((u) => [u.kind, u.text, u.ordered])).toEqual([
      ['heading', 'Reset', undefined],
      ['sentence', 'To reset your password:', undefined],
      ['item', 'Open the app.', true],
      ['item', 'Click **Forgot password?** It is below the form.', true],
      ['item', 'Fast', false],
      ['item', 'Free', false],
    ]);
    // Sections point at their heading; a lead-in, its list and the next list are separate blocks.
    expect(units.every((u) => u.section === 0)).toBe(true);
    expect(new Set(units.map((u) => u.block)).size).toBe(4);
  });

  it('turns table rows into "Header: cell" sentences and skips the rule line', () => {
    expect(kinds('| Plan | Price |\n|---|---|\n| Pro | $49 |\n| Team | |')).toEqual([
      ['row', 'Plan: Pro, Price: $49'],
      ['row', 'Plan: Team'],
    ]);
  });

  it('reads tables extracted from HTML, without outer pipes, as rows', () => {
    expect(
      kinds('Permit charges\nPermit type | Price\nResident permit | £60 a year\nCarer permit | Free'),
    ).toEqual([
      ['heading', 'Permit charges'],
      ['row', 'Permit type: Resident permit, Price: £60 a year'],
      ['row', 'Permit type: Carer permit, Price: Free'],
    ]);
    // One pipe in a sentence is not a table.
    expect(kinds('Use a | b to pipe.')).toEqual([['sentence', 'Use a | b to pipe.']]);
  });

  it('reads a short line before a blank line and a list as the heading of that list', () => {
    expect(kinds('You need a permit.\n\nHow to apply\n\n1. Apply online.\n2. Pay by card.')).toEqual([
      ['sentence', 'You need a permit.'],
      ['heading', 'How to apply'],
      ['item', 'Apply online.'],
      ['item', 'Pay by card.'],
    ]);
  });

  it('keeps fenced and shell code in code units, never in sentences', () => {
    expect(kinds('Run this:\n```\nnpm start. Then stop.\n```\n$ parley serve\n\nDone.')).toEqual([
      ['sentence', 'Run this:'],
      ['code', 'npm start. Then stop.'],
      ['code', '$ parley serve'],
      ['sentence', 'Done.'],
    ]);
  });

  it('keeps what a command printed with it, as a terminal session, up to the blank line', () => {
    const session =
      'It makes the array:\n\n# mdadm --create /dev/md0 --level=0\nmdadm: array /dev/md0 started.\n\nThe array is ready.';
    expect(kinds(session)).toEqual([
      ['sentence', 'It makes the array:'],
      ['code', '# mdadm --create /dev/md0 --level=0\nmdadm: array /dev/md0 started.'],
      ['sentence', 'The array is ready.'],
    ]);
    // A Markdown heading is no prompt.
    expect(kinds('# Getting started\nInstall it first.')[0]).toEqual(['heading', 'Getting started']);
  });

  it('reads Q&A pairs, on one line or two, as a question and its answer', () => {
    expect(
      kinds('Q: Do you ship abroad? A: Yes. It takes a week.\nQuestion: Is it free?\nAnswer: No.'),
    ).toEqual([
      ['question', 'Do you ship abroad?'],
      ['sentence', 'Yes.'],
      ['sentence', 'It takes a week.'],
      ['question', 'Is it free?'],
      ['sentence', 'No.'],
    ]);
  });

  it('reads headings and FAQ questions of plain text from line shape', () => {
    expect(
      kinds('Shipping times\nOrders leave within a day.\n\nHow long does delivery take?\nThree days.'),
    ).toEqual([
      ['heading', 'Shipping times'],
      ['sentence', 'Orders leave within a day.'],
      ['question', 'How long does delivery take?'],
      ['sentence', 'Three days.'],
    ]);
    expect(kinds('**Can I cancel?**\nAt any time.')).toEqual([
      ['question', 'Can I cancel?'],
      ['sentence', 'At any time.'],
    ]);
  });

  it('does not take a hard-wrapped paragraph for headings', () => {
    expect(kinds('Refunds are issued within\nfive business days of the request.')).toEqual([
      ['sentence', 'Refunds are issued within five business days of the request.'],
    ]);
  });
});

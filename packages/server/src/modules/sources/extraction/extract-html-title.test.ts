import { describe, expect, it } from 'vitest';
import { cleanTitle } from './extract-html-title.ts';

describe('cleanTitle', () => {
  it('drops a short site-name suffix after a title of several words', () => {
    expect(cleanTitle('Refund policy | Acme Help Center')).toBe('Refund policy');
    expect(cleanTitle('How to reset your password - Acme')).toBe('How to reset your password');
    expect(cleanTitle('Shipping times — Acme Store')).toBe('Shipping times');
  });

  it('keeps titles whose parts are all meaningful', () => {
    expect(cleanTitle('Python - Getting Started')).toBe('Python - Getting Started');
    expect(cleanTitle('Pricing')).toBe('Pricing');
    expect(cleanTitle('Q&A: billing, refunds and invoices')).toBe('Q&A: billing, refunds and invoices');
  });

  it('uses the declared site name, before or after the title', () => {
    expect(cleanTitle('Acme Docs | Webhooks', { siteName: 'Acme Docs' })).toBe('Webhooks');
    expect(cleanTitle('Webhooks · Acme Docs', { siteName: 'acme docs' })).toBe('Webhooks');
  });

  it('prefers the part that is a heading of the page', () => {
    expect(cleanTitle('Acme | Refund policy', { headings: ['Refund policy'] })).toBe('Refund policy');
    // The site name shown as h1 above every page; the page's own heading is an h2.
    expect(
      cleanTitle('DNS | Node.js v20.20.2 Documentation', {
        headings: ['Node.js v20.20.2 documentation', 'DNS'],
      }),
    ).toBe('DNS');
    expect(
      cleanTitle('PostgreSQL: Documentation: 15: 2.6. Joins Between Tables', {
        headings: ['2.6. Joins Between Tables'],
      }),
    ).toBe('2.6. Joins Between Tables');
  });

  it('collapses whitespace and returns empty for an empty title', () => {
    expect(cleanTitle('  Two\n   lines  ')).toBe('Two lines');
    expect(cleanTitle('   ')).toBe('');
    expect(cleanTitle('37.4. administrable_role_\u200bauthorizations')).toBe(
      '37.4. administrable_role_authorizations',
    );
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ExtractedDocument } from '../source-types.ts';
import { extractHtml } from './extract-html.ts';

const fixtures = new URL('../../../../test/fixtures/sources/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');
const allText = (doc: ExtractedDocument): string => doc.sections.map((s) => s.text).join('\n\n');
const section = (doc: ExtractedDocument, heading: string) =>
  doc.sections.find((s) => s.headingPath[s.headingPath.length - 1] === heading);

describe('extractHtml on a help-center article with every kind of boilerplate', () => {
  const doc = extractHtml(fixture('help-center-article.html'), {
    url: 'https://help.acme.example/hc/en-us/articles/360-refunds?utm_source=mail#top',
  });
  const text = allText(doc);

  it('keeps navigation, banners, sidebars and footers out of the content', () => {
    for (const boilerplate of [
      'Skip to main content',
      'We use cookies',
      'Accept all cookies',
      'Help Center home',
      'Submit a request',
      'Search articles',
      'Articles in this section',
      'Updating your payment card',
      'Share on X',
      'Was this article helpful',
      'found this helpful',
      'Careers',
      'All rights reserved',
      'dataLayer',
      'position: fixed',
    ]) {
      expect(text, boilerplate).not.toContain(boilerplate);
    }
  });

  it('takes the title without the site name and resolves the canonical URL', () => {
    expect(doc.title).toBe('Refunds and cancellations');
    expect(doc.canonicalUrl).toBe('https://help.acme.example/hc/en-us/articles/360-refunds');
    expect(doc.noindex).toBe(false);
    expect(doc.nofollow).toBe(false);
  });

  it('gives every section its heading path', () => {
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      ['Refunds and cancellations'],
      ['Refunds and cancellations', 'How to request a refund'],
      ['Refunds and cancellations', 'How to request a refund', 'Refunds for annual plans'],
      ['Refunds and cancellations', 'Cancelling through the API'],
      ['Refunds and cancellations', 'Glossary'],
    ]);
    expect(doc.sections[0]!.text).toContain(
      'Annual plans are refundable within 30 days of purchase; monthly plans are not refundable',
    );
  });

  it('renders lists, nested lists, tables, code, definitions and callouts as readable text', () => {
    expect(section(doc, 'How to request a refund')!.text).toContain(
      [
        '1. Open Settings › Billing.',
        '2. Click Cancel plan and choose a reason.',
        '   - Select Request a refund if you are within the refund window.',
        '   - Otherwise your plan stays active until the renewal date.',
        '3. Confirm with your password.',
      ].join('\n'),
    );
    expect(section(doc, 'Refunds for annual plans')!.text).toContain(
      ['Plan | Refund window | Fee', 'Starter (monthly) | None | —', 'Pro (annual) | 30 days | 10 %'].join(
        '\n',
      ),
    );
    const api = section(doc, 'Cancelling through the API')!.text;
    expect(api).toContain(
      'curl -X POST https://api.acme.example/v1/subscriptions/sub_123/cancel \\\n  -H "Authorization: Bearer $ACME_KEY" \\\n  -d refund=true',
    );
    // The callout's title labels its text; it does not start a section of its own.
    expect(api).toContain('Note: API keys with the billing:write scope are required.');
    expect(section(doc, 'Glossary')!.text).toBe(
      'Refund window: The number of days after purchase during which a full refund is possible.\n\n' +
        'Proration: Charging or crediting only the part of a period that was used.',
    );
  });

  it('decodes entities and collapses whitespace', () => {
    expect(text).toContain('5–10 business days');
    expect(text).toContain('minus a 10 % processing fee');
    expect(text).not.toMatch(/&[a-z]+;|\u00a0|\S {2,}\S/);
  });

  it('collects every http(s) link of the page, absolute, without fragments, once', () => {
    expect(doc.links).toContain('https://help.acme.example/hc/en-us');
    expect(doc.links).toContain('https://help.acme.example/settings/billing');
    expect(doc.links).toContain('https://status.acme.example/');
    expect(doc.links).toContain('https://help.acme.example/privacy');
    expect(new Set(doc.links).size).toBe(doc.links.length);
    for (const link of doc.links) {
      expect(link).toMatch(/^https?:\/\//);
      expect(link).not.toContain('#');
    }
    expect(doc.links.some((link) => link.startsWith('mailto:'))).toBe(false);
  });
});

describe('extractHtml on pages without landmarks', () => {
  it('removes a legacy layout’s menu, sidebar and footer named by id', () => {
    const doc = extractHtml(fixture('legacy-layout.html'), { url: 'https://shop.example/shipping.html' });
    const text = allText(doc);
    expect(doc.title).toBe('Shipping times');
    for (const boilerplate of ['Contact us', 'Garden tools', 'newsletter', 'Legal notice', 'ACME STORE']) {
      expect(text).not.toContain(boilerplate);
    }
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      ['Shipping times'],
      ['Shipping times', 'Delivery in France'],
      ['Shipping times', 'Delivery in the rest of Europe'],
    ]);
    expect(doc.links).toContain('https://shop.example/c/garden.html');
  });

  it('drops DocBook navigation tables and keeps the manual’s structure', () => {
    const doc = extractHtml(fixture('docbook-page.html'), {
      url: 'https://docs.acme.example/15/webhooks-retries.html',
    });
    const text = allText(doc);
    expect(doc.title).toBe('4.3. Webhook Retries');
    expect(text).not.toMatch(/\b(?:Prev|Next|Up|Home)\b/);
    expect(text).not.toContain('Chapter 4. Webhooks');
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      ['4.3. Webhook Retries'],
      ['4.3. Webhook Retries', '4.3.1. Retry Schedule'],
      ['4.3. Webhook Retries', '4.3.2. Configuration'],
    ]);
    expect(doc.sections[0]!.text).toContain('Note: Retries keep the original webhook-id header');
    expect(doc.sections[1]!.text).toContain('Attempt | Delay after previous attempt\n2 | 30 seconds');
    expect(doc.sections[2]!.text).toContain('max_attempts (integer): The number of delivery attempts');
    expect(doc.sections[2]!.text).toContain(
      'curl -X PATCH https://api.acme.example/v1/endpoints/ep_42 \\\n  -d',
    );
    expect(doc.sections[2]!.text).toContain('[1] The exact times vary by up to 10 percent');
    expect(doc.links).toEqual([
      'https://docs.acme.example/15/webhooks-signing.html',
      'https://docs.acme.example/15/webhooks.html',
      'https://docs.acme.example/15/index.html',
      'https://docs.acme.example/15/webhooks-events.html',
    ]);
  });

  it('asks Readability when content sits beside anonymous regions, keeping the page heading', () => {
    const doc = extractHtml(fixture('anonymous-layout.html'), { url: 'https://cook.example/care' });
    const text = allText(doc);
    expect(doc.sections[0]!.headingPath).toEqual(['Caring for your cast iron pan']);
    expect(text).toContain('Clean it while it is still warm');
    expect(text).toContain('keep a stainless pot for those.');
    for (const boilerplate of ['Recipes', 'Sourdough starter', 'min read', 'Privacy', '© 2024']) {
      expect(text).not.toContain(boilerplate);
    }
  });
});

describe('extractHtml metadata', () => {
  const page = (head: string, body = '<p>Hello there, this is the page.</p>'): ExtractedDocument =>
    extractHtml(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`, {
      url: 'https://example.com/a/b.html',
    });

  it('detects noindex and nofollow, alone, together and as "none"', () => {
    expect(page('<meta name="robots" content="noindex">')).toMatchObject({ noindex: true, nofollow: false });
    expect(page('<meta name="ROBOTS" content="index, NOFOLLOW">')).toMatchObject({
      noindex: false,
      nofollow: true,
    });
    expect(page('<meta name="robots" content="noindex,nofollow">')).toMatchObject({
      noindex: true,
      nofollow: true,
    });
    expect(page('<meta name="robots" content="none">')).toMatchObject({ noindex: true, nofollow: true });
    expect(page('<meta name="description" content="noindex">')).toMatchObject({
      noindex: false,
      nofollow: false,
    });
  });

  it('resolves links against <base href> and ignores non-web schemes', () => {
    const doc = page(
      '<base href="https://cdn.example.org/docs/">',
      '<a href="guide.html#intro">Guide</a><a href="guide.html">Guide again</a><a href="#top">Top</a>' +
        '<a href="javascript:void(0)">JS</a><a href="tel:+15550100">Call</a><a href="//other.example/x">Other</a>' +
        '<a href="ftp://files.example/f">FTP</a><map><area href="/area" alt="Area"></map>',
    );
    expect(doc.links).toEqual([
      'https://cdn.example.org/docs/guide.html',
      'https://other.example/x',
      'https://cdn.example.org/area',
    ]);
  });

  it('falls back from og:title to <title> to the first heading', () => {
    expect(page('<title>Plain title</title><meta property="og:title" content="Social title">').title).toBe(
      'Social title',
    );
    expect(page('<title>  Plain\n title </title>').title).toBe('Plain title');
    expect(page('', '<h1>Heading title</h1><p>Body text of the page.</p>').title).toBe('Heading title');
  });

  it('returns a canonical URL only when the page declares one', () => {
    expect(page('').canonicalUrl).toBeNull();
    expect(page('<link rel="canonical" href="https://example.com/a/">').canonicalUrl).toBe(
      'https://example.com/a/',
    );
  });
});

const pgDocs = '/usr/share/doc/postgresql-doc-15/html/';
describe.skipIf(!existsSync(pgDocs))('extractHtml on the PostgreSQL 15 manual', () => {
  const manual = (name: string): ExtractedDocument =>
    extractHtml(readFileSync(`${pgDocs}${name}`, 'utf8'), {
      url: `https://www.postgresql.org/docs/15/${name}`,
    });

  it('extracts a tutorial page without its navigation', () => {
    const doc = manual('tutorial-join.html');
    expect(doc.title).toBe('2.6. Joins Between Tables');
    expect(doc.sections[0]!.headingPath).toEqual(['2.6. Joins Between Tables']);
    const text = allText(doc);
    expect(text.startsWith('Thus far, our queries have only accessed one table at a time.')).toBe(true);
    expect(text).toContain('SELECT * FROM weather JOIN cities ON city = name;');
    expect(text).not.toMatch(/^(?:Prev|Next|Up|Home)\b/m);
    expect(text).not.toContain('2.5. Querying a Table');
  });

  it('extracts a reference page with its sections, parameters and tables', () => {
    const doc = manual('sql-createtable.html');
    expect(doc.title).toBe('CREATE TABLE');
    const headings = doc.sections.map((s) => s.headingPath.join(' > '));
    expect(headings).toContain('Synopsis');
    expect(headings).toContain('Parameters > Storage Parameters');
    expect(headings).toContain('See Also');
    expect(allText(doc)).toContain(
      'fillfactor (integer): The fillfactor for a table is a percentage between 10 and 100.',
    );
  });

  it('renders data tables as rows under their header', () => {
    const text = allText(manual('datatype-numeric.html'));
    expect(text).toContain(
      'Name | Storage Size | Description | Range\nsmallint | 2 bytes | small-range integer',
    );
  });
});

// include/exclude patterns: the examples of docs/sources.md match what they say, and patterns
// that can never match are told apart from the ones that can.
import { describe, expect, it } from 'vitest';
import { checkUrlPattern, compileUrlPattern } from '../../../src/modules/sources/crawling/crawl-patterns.ts';
import {
  createUrlFilter,
  findDeadPattern,
  isSameSite,
} from '../../../src/modules/sources/crawling/crawl-url.ts';

const matches = (pattern: string, url: string) => compileUrlPattern(pattern)(new URL(url));

describe('compileUrlPattern', () => {
  it('matches */blog/* at any depth of the path, * staying within a segment', () => {
    expect(matches('*/blog/*', 'https://docs.example.com/blog/launch')).toBe(true);
    expect(matches('*/blog/*', 'http://127.0.0.1:8080/blog/launch?page=2')).toBe(true);
    expect(matches('*/blog/*', 'https://example.com/en/blog/launch')).toBe(true);
    expect(matches('*/blog/*', 'https://example.com/blog')).toBe(false);
    expect(matches('*/blog/*', 'https://example.com/blog/2024/launch')).toBe(false);
    expect(matches('*/blog/*', 'https://example.com/weblog/launch')).toBe(false);
    expect(matches('**/blog/**', 'https://example.com/en/blog/2024/launch')).toBe(true);
    expect(matches('docs.example.com/guide/*', 'https://docs.example.com/guide/setup')).toBe(true);
    expect(matches('docs.example.com/guide/*', 'https://www.example.com/guide/setup')).toBe(false);
  });

  it('matches /docs/** against the path, the section itself included', () => {
    expect(matches('/docs/**', 'https://example.com/docs')).toBe(true);
    expect(matches('/docs/**', 'https://example.com/docs/a/b?x=1')).toBe(true);
    expect(matches('/docs/**', 'https://example.com/documentation')).toBe(false);
    expect(matches('/**/faq', 'https://example.com/faq')).toBe(true);
    expect(matches('/{docs,help}/*', 'https://example.com/help/refunds')).toBe(true);
  });

  it('matches a pattern without / against the last path segment, case-insensitively', () => {
    expect(matches('*.pdf', 'https://example.com/files/Guide.PDF')).toBe(true);
    expect(matches('*.pdf', 'https://example.com/files/guide.html')).toBe(false);
  });
});

describe('checkUrlPattern', () => {
  const start = new URL('https://www.example.com/');
  const onSite = (url: URL) => isSameSite(url, start);

  it('accepts patterns that can match', () => {
    for (const pattern of [
      '*/blog/*',
      '/docs/**',
      'changelog',
      'https://*.example.com/**',
      '*.pdf',
      '?lang=fr',
    ]) {
      expect(checkUrlPattern(pattern, onSite), pattern).toBeNull();
    }
    expect(checkUrlPattern('https://docs.example.com/guide/**', onSite)).toBeNull();
  });

  it('rejects patterns no crawled URL can match, saying why', () => {
    expect(checkUrlPattern('/blog posts/*', onSite)).toMatch(/space/);
    expect(checkUrlPattern('/docs#intro', onSite)).toMatch(/fragment/);
    expect(checkUrlPattern('ftp://example.com/**', onSite)).toMatch(/http and https/);
    expect(checkUrlPattern('https://other.org/**', onSite)).toMatch(/other\.org/);
    expect(checkUrlPattern('/docs//guide', onSite)).toMatch(/\/\//);
  });

  it('names the parameter of the first dead pattern', () => {
    expect(
      findDeadPattern({ startUrl: 'https://example.com/', include: ['/docs/**'], exclude: ['/a', 'b c'] }),
    ).toMatchObject({ param: 'exclude.1', pattern: 'b c' });
    expect(findDeadPattern({ startUrl: 'https://example.com/', exclude: ['*/blog/*'] })).toBeNull();
  });

  it('excludes with */blog/* in a crawl filter, as docs/sources.md shows', () => {
    const allowed = createUrlFilter({ startUrl: 'https://example.com/', exclude: ['*/blog/*'] });
    expect(allowed('https://example.com/blog/launch')).toBe(false);
    expect(allowed('https://example.com/pricing')).toBe(true);
  });
});

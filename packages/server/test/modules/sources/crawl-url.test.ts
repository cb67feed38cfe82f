import { describe, expect, it } from 'vitest';
import { compileUrlPattern } from '../../../src/modules/sources/crawling/crawl-patterns.ts';
import {
  createUrlFilter,
  hasNonDocumentExtension,
  normalizeUrl,
} from '../../../src/modules/sources/crawling/crawl-url.ts';

describe('normalizeUrl', () => {
  it('canonicalises scheme, host, port, fragment and slashes', () => {
    expect(normalizeUrl('HTTPS://Example.COM:443//docs//a///b#top')).toBe('https://example.com/docs/a/b');
    expect(normalizeUrl('http://example.com:80')).toBe('http://example.com/');
    expect(normalizeUrl('http://example.com:8080/x')).toBe('http://example.com:8080/x');
    expect(normalizeUrl('  https://example.com/a/  ')).toBe('https://example.com/a/');
    expect(normalizeUrl('https://example.com/a%2fb?q=%c3%a9')).toBe('https://example.com/a%2Fb?q=%C3%A9');
  });

  it('resolves relative references against a base', () => {
    const base = 'https://example.com/docs/intro?x=1#frag';
    expect(normalizeUrl('guide', base)).toBe('https://example.com/docs/guide');
    expect(normalizeUrl('../about', base)).toBe('https://example.com/about');
    expect(normalizeUrl('//cdn.example.com/a', base)).toBe('https://cdn.example.com/a');
    expect(normalizeUrl('#section', base)).toBe('https://example.com/docs/intro?x=1');
    expect(normalizeUrl('?page=2', base)).toBe('https://example.com/docs/intro?page=2');
  });

  it('drops tracking parameters and keeps the rest of the query as written', () => {
    expect(
      normalizeUrl('https://example.com/p?utm_source=x&b=2&UTM_Medium=y&gclid=1&a=1&fbclid=2&msclkid=3'),
    ).toBe('https://example.com/p?b=2&a=1');
    expect(normalizeUrl('https://example.com/p?utm_campaign=spring')).toBe('https://example.com/p');
    expect(normalizeUrl('https://example.com/p?q=a+b&tag=%20x&empty=&&flag')).toBe(
      'https://example.com/p?q=a+b&tag=%20x&empty=&flag',
    );
    expect(normalizeUrl('https://example.com/p??')).toBe('https://example.com/p??');
  });

  it('returns null for what cannot be crawled', () => {
    for (const raw of [
      'mailto:support@example.com',
      'javascript:void(0)',
      'tel:+123456',
      'data:text/html,hi',
      'ftp://example.com/file',
      'file:///etc/passwd',
      'https://user:pass@example.com/',
      '/relative/without/base',
      'http://',
      '',
    ]) {
      expect(normalizeUrl(raw), raw).toBeNull();
    }
    expect(normalizeUrl('javascript:alert(1)', 'https://example.com/')).toBeNull();
  });

  it('is idempotent', () => {
    for (const raw of [
      'https://Example.com//a?b=1&utm_x=2#c',
      'http://example.com/%7euser/',
      'https://example.com',
    ]) {
      const once = normalizeUrl(raw);
      expect(once && normalizeUrl(once)).toBe(once);
    }
  });
});

describe('createUrlFilter', () => {
  it('keeps to the site: www and bare host are one site, subdomains are in', () => {
    const allowed = createUrlFilter({ startUrl: 'https://www.example.com/pricing' });
    expect(allowed('https://www.example.com/about')).toBe(true);
    expect(allowed('https://example.com/about')).toBe(true);
    expect(allowed('http://example.com/about')).toBe(true);
    expect(allowed('https://docs.example.com/start')).toBe(true);
    expect(allowed('https://example.org/')).toBe(false);
    expect(allowed('https://notexample.com/')).toBe(false);
    expect(allowed('https://example.com.evil.io/')).toBe(false);
    expect(allowed('https://example.com:8443/')).toBe(false);
  });

  it('does not climb above a subdomain start host', () => {
    const allowed = createUrlFilter({ startUrl: 'https://docs.example.com/' });
    expect(allowed('https://docs.example.com/a')).toBe(true);
    expect(allowed('https://v2.docs.example.com/a')).toBe(true);
    expect(allowed('https://example.com/a')).toBe(false);
    expect(allowed('https://blog.example.com/a')).toBe(false);
  });

  it('crawls the whole site from a deep start page', () => {
    const allowed = createUrlFilter({ startUrl: 'https://example.com/docs/getting-started' });
    expect(allowed('https://example.com/')).toBe(true);
    expect(allowed('https://example.com/blog/post')).toBe(true);
  });

  it('matches IP hosts exactly, port included', () => {
    const allowed = createUrlFilter({ startUrl: 'http://127.0.0.1:8080/' });
    expect(allowed('http://127.0.0.1:8080/a')).toBe(true);
    expect(allowed('http://127.0.0.1:9090/a')).toBe(false);
    expect(allowed('http://localhost:8080/a')).toBe(false);
  });

  it('goes anywhere with sameSite: false, but still only http(s) documents', () => {
    const allowed = createUrlFilter({ startUrl: 'https://example.com/', sameSite: false });
    expect(allowed('https://elsewhere.org/page')).toBe(true);
    expect(allowed('mailto:a@b.c')).toBe(false);
    expect(allowed('https://elsewhere.org/pic.JPG')).toBe(false);
  });

  it('skips non-document extensions', () => {
    const allowed = createUrlFilter({ startUrl: 'https://example.com/' });
    for (const path of [
      '/logo.png',
      '/app.js',
      '/site.css',
      '/files/a.zip',
      '/v.mp4',
      '/f.woff2',
      '/feed.xml',
    ]) {
      expect(allowed(`https://example.com${path}`), path).toBe(false);
    }
    for (const path of [
      '/guide.pdf',
      '/terms.docx',
      '/notes.txt',
      '/readme.md',
      '/page.html',
      '/v1.2/intro',
      '/',
    ]) {
      expect(allowed(`https://example.com${path}`), path).toBe(true);
    }
    expect(hasNonDocumentExtension('/.well-known/x')).toBe(false);
    expect(hasNonDocumentExtension('/images.png/page')).toBe(false);
  });

  it('applies include and exclude patterns, exclude winning', () => {
    const allowed = createUrlFilter({
      startUrl: 'https://example.com/',
      include: ['/docs/**', '/blog/*', 'changelog'],
      exclude: ['/docs/internal/**', 'draft=1'],
    });
    expect(allowed('https://example.com/docs')).toBe(true);
    expect(allowed('https://example.com/docs/a/b/c')).toBe(true);
    expect(allowed('https://example.com/blog/post-1')).toBe(true);
    expect(allowed('https://example.com/blog/2024/post-1')).toBe(false);
    expect(allowed('https://example.com/product/changelog')).toBe(true);
    expect(allowed('https://example.com/pricing')).toBe(false);
    expect(allowed('https://example.com/docs/internal/secrets')).toBe(false);
    expect(allowed('https://example.com/docs/page?draft=1')).toBe(false);
  });
});

describe('compileUrlPattern', () => {
  const matches = (pattern: string, url: string) => compileUrlPattern(pattern)(new URL(url));

  it('treats patterns without * as case-insensitive substrings of the full URL', () => {
    expect(matches('/Blog/', 'https://example.com/blog/x')).toBe(true);
    expect(matches('example.com/help', 'https://example.com/help/faq')).toBe(true);
    expect(matches('/help/', 'https://example.com/help')).toBe(false);
  });

  it('anchors full-URL globs; * stays within a segment, ** crosses', () => {
    expect(matches('https://*.example.com/**', 'https://docs.example.com/a/b')).toBe(true);
    expect(matches('https://*.example.com/**', 'https://example.com/a')).toBe(false);
    expect(matches('https://example.com/*/faq', 'https://example.com/en/faq')).toBe(true);
    expect(matches('https://example.com/*/faq', 'https://example.com/en/us/faq')).toBe(false);
    expect(matches('https://example.com/**/faq', 'https://example.com/en/us/faq')).toBe(true);
    expect(matches('https://example.com/**/faq', 'https://example.com/faq')).toBe(true);
  });

  it('matches globs starting with / against path and query', () => {
    expect(matches('/docs/**', 'https://example.com/docs?page=2')).toBe(true);
    expect(matches('/docs/**', 'https://example.com/documentation')).toBe(false);
    expect(matches('/*.pdf', 'https://example.com/guide.pdf')).toBe(true);
    expect(matches('/*.pdf', 'https://example.com/files/guide.pdf')).toBe(false);
    expect(matches('/**/*.pdf', 'https://example.com/files/guide.pdf')).toBe(true);
    expect(matches('/**/*.pdf', 'https://example.com/guide.pdf')).toBe(true);
    expect(matches('/a.b/*', 'https://example.com/aXb/c')).toBe(false);
  });
});

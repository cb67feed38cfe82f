import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { renderMarkdown, safeUrl } from '../src/markdown.tsx';
import type { Source } from '../src/types.ts';

const html = (text: string, sources: Source[] = []) =>
  renderToString(h('div', null, renderMarkdown(text, sources)));

describe('Markdown rendering', () => {
  it('renders paragraphs, line breaks, bold, italic and inline code', () => {
    expect(html('Hello **bold** and *italic* and `a < b`.\nNext line\n\nSecond')).toBe(
      '<div><p>Hello <strong>bold</strong> and <em>italic</em> and <code>a &lt; b</code>.<br/>Next line</p>' +
        '<p>Second</p></div>',
    );
  });

  it('renders fenced code blocks literally, with no Markdown inside', () => {
    expect(html('Run:\n```sh\nnpm i **x** <b>\n```\nDone')).toBe(
      '<div><p>Run:</p><pre><code data-lang="sh">npm i **x** &lt;b></code></pre><p>Done</p></div>',
    );
  });

  it('renders an unclosed fence (a reply still streaming) as code to the end', () => {
    expect(html('```\nconst a = 1;')).toBe('<div><pre><code>const a = 1;</code></pre></div>');
  });

  it('renders bullet and numbered lists', () => {
    expect(html('Steps:\n1. Open *Settings*\n2. Click Save\n\n- one\n- two')).toBe(
      '<div><p>Steps:</p><ol><li>Open <em>Settings</em></li><li>Click Save</li></ol>' +
        '<ul><li>one</li><li>two</li></ul></div>',
    );
    expect(html('3. third\n4. fourth')).toBe('<div><ol start="3"><li>third</li><li>fourth</li></ol></div>');
  });

  it('nests a list indented under an item', () => {
    expect(html('- Settings\n  - Widget\n  - Handoff\n- Billing\n\n1. Open\n   1. the panel\n2. Save')).toBe(
      '<div><ul><li>Settings<ul><li>Widget</li><li>Handoff</li></ul></li><li>Billing</li></ul>' +
        '<ol><li>Open<ol><li>the panel</li></ol></li><li>Save</li></ol></div>',
    );
  });

  it('leaves snake_case and lone asterisks as they are', () => {
    expect(html('set max_page_size to 2 * 3 * 4')).toBe('<div><p>set max_page_size to 2 * 3 * 4</p></div>');
  });

  it('links http(s) and mailto URLs in a new tab, without opener or referrer', () => {
    expect(html('See [the docs](https://example.com/a?b=1&c=2) or [mail](mailto:help@example.com).')).toBe(
      '<div><p>See <a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">' +
        'the docs</a> or <a href="mailto:help@example.com" target="_blank" rel="noopener noreferrer">mail</a>.</p></div>',
    );
    expect(html('Go to https://example.com/x.')).toBe(
      '<div><p>Go to <a href="https://example.com/x" target="_blank" rel="noopener noreferrer">' +
        'https://example.com/x</a>.</p></div>',
    );
  });

  it('shows a link with any other scheme as its text only', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html;base64,PHNjcmlwdD4=',
      'vbscript:x',
      '/relative',
    ]) {
      const out = html(`[click](${url})`);
      expect(out).toBe('<div><p><span>click</span></p></div>');
    }
  });

  it('shows HTML in a reply as text, never as elements', () => {
    const out = html('<img src=x onerror=alert(1)> and <script>alert(2)</script>\n\n**<b>x</b>**');
    expect(out).toBe(
      '<div><p>&lt;img src=x onerror=alert(1)> and &lt;script>alert(2)&lt;/script></p>' +
        '<p><strong>&lt;b>x&lt;/b></strong></p></div>',
    );
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<script');
  });

  it('keeps attribute-breaking text inside a link URL from becoming markup', () => {
    const out = html('[x](https://example.com/"onmouseover="alert(1))');
    expect(out).toContain('href="https://example.com/%22onmouseover=%22alert(1)"');
    expect(out).not.toContain(' onmouseover=');
  });

  it('turns citation markers into links to the cited sources', () => {
    const sources: Source[] = [
      { title: 'Billing', url: 'https://docs.example.com/billing', citation: 1 },
      { title: 'Refunds', url: 'https://docs.example.com/refunds', citation: 2 },
    ];
    expect(html('Refunds take 5 days [2].', sources)).toBe(
      '<div><p>Refunds take 5 days <a href="https://docs.example.com/refunds" class="cite" title="Refunds" ' +
        'data-testid="parley-citation" target="_blank" rel="noopener noreferrer">[2]</a>.</p></div>',
    );
    expect(html('Both [1, 2]', sources).match(/data-testid="parley-citation"/g)).toHaveLength(2);
  });

  it('leaves a citation as text when the source is unknown or not a web link', () => {
    expect(html('Unknown [3]', [{ title: 'a', url: 'https://a.example', citation: 1 }])).toBe(
      '<div><p>Unknown [3]</p></div>',
    );
    expect(html('Bad [1]', [{ title: 'a', url: 'javascript:alert(1)', citation: 1 }])).toBe(
      '<div><p>Bad [1]</p></div>',
    );
  });

  it('honours backslash escapes', () => {
    expect(html('\\*not italic\\* and \\[1\\]')).toBe('<div><p>*not italic* and [1]</p></div>');
  });
});

describe('safeUrl', () => {
  it('keeps http, https and mailto URLs, normalised', () => {
    expect(safeUrl(' https://Example.com/a b ')).toBe('https://example.com/a%20b');
    expect(safeUrl('mailto:a@b.example')).toBe('mailto:a@b.example');
  });

  it('refuses every other scheme, however it is disguised', () => {
    for (const url of [
      'java\nscript:alert(1)',
      ' javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'ftp://x',
      'x',
      '',
      null,
    ]) {
      expect(safeUrl(url)).toBeNull();
    }
  });
});

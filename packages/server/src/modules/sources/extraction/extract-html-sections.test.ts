import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { sectionsFromDom } from './extract-html-sections.ts';

const sections = (body: string, basePath: string[] = []) =>
  sectionsFromDom(parseHTML(`<!doctype html><html><body>${body}</body></html>`).document.body, basePath);

describe('sectionsFromDom', () => {
  it('maintains the heading path by level and drops sections without text', () => {
    const result = sections(
      '<h1>Guide</h1><h2>Install</h2><p>Run the installer.</p><h3>Linux</h3><p>Use apt.</p>' +
        '<h3>macOS</h3><p>Use brew.</p><h2>Upgrade</h2><p>Run it again.</p><h4>Deep</h4><p>Skipped level.</p>',
    );
    expect(result).toEqual([
      { headingPath: ['Guide', 'Install'], text: 'Run the installer.' },
      { headingPath: ['Guide', 'Install', 'Linux'], text: 'Use apt.' },
      { headingPath: ['Guide', 'Install', 'macOS'], text: 'Use brew.' },
      { headingPath: ['Guide', 'Upgrade'], text: 'Run it again.' },
      { headingPath: ['Guide', 'Upgrade', 'Deep'], text: 'Skipped level.' },
    ]);
  });

  it('keeps text before the first heading under the base path', () => {
    expect(sections('<p>Intro.</p><h2>Part</h2><p>Body.</p>', ['Title'])).toEqual([
      { headingPath: ['Title'], text: 'Intro.' },
      { headingPath: ['Title', 'Part'], text: 'Body.' },
    ]);
  });

  it('strips permalink glyphs from headings and keeps inline text together', () => {
    const [first] = sections(
      '<h2>Setup<a class="anchor" href="#setup">¶</a></h2><p>Use <code>npm&nbsp;ci</code>, <em>not</em>\n   <b>npm install</b>.</p>',
    );
    expect(first).toEqual({ headingPath: ['Setup'], text: 'Use npm ci, not npm install.' });
  });

  it('numbers ordered lists from their start attribute and indents nested items', () => {
    const [first] = sections(
      '<ol start="3"><li>Third<ol><li>Nested one</li><li>Nested two<ul><li>Deeper</li></ul></li></ol></li><li>Fourth</li></ol>',
    );
    expect(first!.text).toBe(
      ['3. Third', '   1. Nested one', '   2. Nested two', '      - Deeper', '4. Fourth'].join('\n'),
    );
  });

  it('keeps list items with several paragraphs under their marker', () => {
    const [first] = sections(
      '<ul><li><p>Step one.</p><p>More about step one.</p></li><li>Step two.</li></ul>',
    );
    expect(first!.text).toBe('- Step one.\n  More about step one.\n- Step two.');
  });

  it('keeps <br> line breaks, and code verbatim and fenced, without copy buttons', () => {
    const [first] = sections(
      '<p>Acme Inc.<br>12 Main St.<br/>Springfield</p>' +
        '<pre><button>Copy</button><code>if (a &lt; b) {\n    return  a;\n}</code></pre>',
    );
    expect(first!.text).toBe(
      'Acme Inc.\n12 Main St.\nSpringfield\n\n```\nif (a < b) {\n    return  a;\n}\n```',
    );
  });

  it('reads layout tables as blocks and one-column tables row by row', () => {
    const [layout] = sections(
      '<table role="presentation"><tr><td><p>Left text.</p></td><td><p>Right text.</p></td></tr></table>',
    );
    expect(layout!.text).toBe('Left text.\n\nRight text.');
    const [oneColumn] = sections(
      '<table><tr><th><p>Function</p><p>Description</p></th></tr>' +
        '<tr><td><p>lower(text)</p><p>Converts to lower case.</p></td></tr></table>',
    );
    expect(oneColumn!.text).toBe('Function\nDescription\n\nlower(text)\nConverts to lower case.');
    const [simpleList] = sections(
      '<table class="simplelist"><tr><td>CLUSTER</td></tr><tr><td>CREATE TABLE</td></tr><tr><td>REINDEX</td></tr></table>',
    );
    expect(simpleList!.text).toBe('- CLUSTER\n- CREATE TABLE\n- REINDEX');
  });

  it('keeps inactive tabs and closed accordion panels, which hold real answers', () => {
    const result = sections(
      '<div role="tabpanel">macOS: use brew.</div><div role="tabpanel" hidden>Windows: use winget.</div>' +
        '<button aria-controls="a1">Can I pay by invoice?</button><div id="a1" class="accordion-body" hidden>' +
        '<p>Yes, on annual plans.</p></div><div aria-hidden="true"><h2>Wrapper hidden by a dialog</h2><p>Text.</p></div>',
    );
    expect(result[0]!.text).toBe(
      'macOS: use brew.\n\nWindows: use winget.\n\nCan I pay by invoice?\n\nYes, on annual plans.',
    );
    expect(result[1]).toEqual({ headingPath: ['Wrapper hidden by a dialog'], text: 'Text.' });
  });

  it('keeps FAQ questions written as accordion buttons, in headings too', () => {
    const result = sections(
      '<h2>FAQ</h2><h3><button aria-expanded="false">Do you ship abroad?</button></h3><div hidden class="faq-answer">Yes, to 30 countries.</div>',
    );
    expect(result).toEqual([{ headingPath: ['FAQ', 'Do you ship abroad?'], text: 'Yes, to 30 countries.' }]);
  });

  it('skips hidden elements, scripts and form controls', () => {
    const [first] = sections(
      '<p>Visible.</p><p hidden>Hidden attribute.</p><div style="display: none">Display none.</div>' +
        '<p aria-hidden="true">Aria hidden.</p><script>var x = 1;</script><select><option>Choice</option></select>' +
        '<button type="button">Copy</button>',
    );
    expect(first!.text).toBe('Visible.');
  });

  it('treats headings inside list items and table cells as text, not sections', () => {
    const result = sections('<h2>FAQ</h2><ul><li><h3>Question?</h3><p>Answer.</p></li></ul><p>After.</p>');
    expect(result).toEqual([{ headingPath: ['FAQ'], text: '- Question?\n  Answer.\n\nAfter.' }]);
  });

  it('joins several terms of one definition', () => {
    const [first] = sections(
      '<dl><dt>-v</dt><dt>--verbose</dt><dd>Print more.</dd><dt>Lonely term</dt></dl>',
    );
    expect(first!.text).toBe('-v, --verbose: Print more.\n\nLonely term');
  });
});

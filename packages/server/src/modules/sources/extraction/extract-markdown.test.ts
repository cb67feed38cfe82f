import { describe, expect, it } from 'vitest';
import { extractMarkdown, stripInline } from './extract-markdown.ts';

const markdown = (text: string, filename = 'guide.md') =>
  extractMarkdown(Buffer.from(text), { url: null, filename });

const guide = `---
title: "Webhooks guide"
sidebar_position: 3
tags: [api, webhooks]
---

Intro paragraph with a [link](https://acme.example/docs "Docs") and **bold** text,
wrapped over two lines.

# Webhooks

Webhooks tell *your* server about events. See <https://acme.example/events>.

## Setup

1. Create an endpoint.
2. Copy the signing secret:
   - keep it in a vault
   - rotate it yearly
* Subscribe to events

Retry settings
--------------

| Attempt | Delay |
|--------:|:------|
| 2       | 30 s  |
| 3       | 5 min |

\`\`\`bash
# Not a heading: a shell comment
curl -X POST https://api.acme.example/v1/endpoints \\
  -d url=https://example.com/hook
\`\`\`

Reference
=========

Use \`webhook-id\` to deduplicate. ![Diagram](diagram.png)

***

Closing words.
`;

describe('extractMarkdown', () => {
  const doc = markdown(guide);

  it('removes front matter and takes its title', () => {
    expect(doc.title).toBe('Webhooks guide');
    const text = doc.sections.map((s) => s.text).join('\n');
    expect(text).not.toContain('sidebar_position');
    expect(text).not.toContain('---');
  });

  it('splits at ATX and setext headings with nested paths', () => {
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      [],
      ['Webhooks'],
      ['Webhooks', 'Setup'],
      ['Webhooks', 'Retry settings'],
      ['Reference'],
    ]);
  });

  it('reads like the rendered page: links, emphasis and soft wraps resolved', () => {
    expect(doc.sections[0]!.text).toBe('Intro paragraph with a link and bold text, wrapped over two lines.');
    expect(doc.sections[1]!.text).toBe(
      'Webhooks tell your server about events. See https://acme.example/events.',
    );
    expect(doc.sections[4]!.text).toBe('Use webhook-id to deduplicate. Diagram\n\nClosing words.');
  });

  it('keeps lists, tables and code blocks as text', () => {
    expect(doc.sections[2]!.text).toBe(
      [
        '1. Create an endpoint.',
        '2. Copy the signing secret:',
        '   - keep it in a vault',
        '   - rotate it yearly',
        '- Subscribe to events',
      ].join('\n'),
    );
    expect(doc.sections[3]!.text).toBe(
      [
        'Attempt | Delay\n2 | 30 s\n3 | 5 min',
        '```\n# Not a heading: a shell comment\ncurl -X POST https://api.acme.example/v1/endpoints \\\n  -d url=https://example.com/hook\n```',
      ].join('\n\n'),
    );
  });

  it('takes the title from the first top heading, else the file name', () => {
    expect(markdown('Some text.\n\n## Minor\n\n# Major\n\nBody.').title).toBe('Major');
    expect(markdown('Just text, no headings.', 'notes/release-notes.md').title).toBe('release-notes');
  });

  it('does not mistake a rule after a blank line, or a list, for a setext heading', () => {
    const result = markdown('- item one\n- item two\n---\n\nParagraph.\n\n---\n\nMore.');
    expect(result.sections).toEqual([
      { headingPath: [], text: '- item one\n- item two\n\nParagraph.\n\nMore.' },
    ]);
  });
});

describe('stripInline', () => {
  it('removes markup a reader does not see', () => {
    expect(stripInline('**a** __b__ *c* _d_ ~~e~~ `f` [g](h) ![i](j) <https://k.example> \\*l\\*')).toBe(
      'a b c d e f g i https://k.example *l*',
    );
    expect(stripInline('snake_case_name and 2 * 3 * 4')).toBe('snake_case_name and 2 * 3 * 4');
  });
});

// How a long reply is cut into platform messages, and how Slack's markup is read back as text:
// pure functions, tested without an app.
import { describe, expect, it } from 'vitest';
import { withinMessageLimit } from '../../../src/modules/channels/channel-worker.ts';
import { splitMessage } from '../../../src/modules/channels/message-parts.ts';
import { slackParts, slackPlainText } from '../../../src/modules/channels/slack.ts';

describe('splitMessage', () => {
  it('keeps a text within the limit whole', () => {
    expect(splitMessage('  Short enough.  ', 20)).toEqual(['Short enough.']);
  });

  it('cuts between paragraphs, then sentences, then words, each part within the limit', () => {
    expect(splitMessage('First paragraph here.\n\nSecond one, longer than the first.', 40)).toEqual([
      'First paragraph here.',
      'Second one, longer than the first.',
    ]);
    expect(splitMessage('One sentence here. Another sentence follows it.', 30)).toEqual([
      'One sentence here.',
      'Another sentence follows it.',
    ]);
    expect(splitMessage('words without any sentence end in sight', 16)).toEqual([
      'words without',
      'any sentence end',
      'in sight',
    ]);
  });

  it('cuts a word longer than the limit, never inside a character', () => {
    expect(splitMessage('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    const parts = splitMessage('😀😀😀', 3);
    expect(parts).toEqual(['😀', '😀', '😀']);
    expect(parts.join('')).toBe('😀😀😀');
  });

  it('measures as told: escaped for Slack, cut before escaping', () => {
    const parts = splitMessage('a & b & c & d', 9, (text) => text.replace(/&/g, '&amp;').length);
    for (const part of parts) expect(part.replace(/&/g, '&amp;').length).toBeLessThanOrEqual(9);
    expect(parts.join(' ')).toBe('a & b & c & d');
  });

  it('drops nothing from a long reply', () => {
    const text = Array.from({ length: 400 }, (_, i) => `Sentence number ${i} says something useful.`).join(
      ' ',
    );
    const parts = splitMessage(text, 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4096);
      expect(part.endsWith('useful.')).toBe(true);
    }
    expect(parts.join(' ')).toBe(text);
  });
});

describe('slackParts', () => {
  it('escapes each part and puts the sources after the text', () => {
    expect(slackParts('Tom & Jerry <3', [{ url: 'https://x.example/a' }])).toEqual([
      'Tom &amp; Jerry &lt;3\n\n<https://x.example/a>',
    ]);
  });
});

describe('slackPlainText', () => {
  it.each([
    ['a &lt;b&gt; &amp; c', 'a <b> & c'],
    ['literally &amp;lt; typed', 'literally &lt; typed'],
    ['<https://x.example/?a=1&amp;b=2|the page>', 'the page (https://x.example/?a=1&b=2)'],
    ['<https://x.example>', 'https://x.example'],
    ['<https://x.example|https://x.example>', 'https://x.example'],
    ['<mailto:ada@example.com|ada@example.com>', 'ada@example.com'],
    ['in <#C024BE7LR|general> and <#C024BE7LR>', 'in #general and #C024BE7LR'],
    ['<!here> and <!subteam^S0614TZR7|@support>', '@here and @support'],
  ])('reads %j as %j', (markup, text) => {
    expect(slackPlainText(markup)).toBe(text);
  });
});

describe('withinMessageLimit', () => {
  it('keeps a message within the limit as it is', () => {
    expect(withinMessageLimit('Hello', 5)).toEqual({ text: 'Hello' });
  });

  it('cuts a longer one to the limit, counting characters as people do, with a marker', () => {
    const cut = withinMessageLimit(`${'😀'.repeat(10)} and more`, 6);
    expect(cut).toEqual({ text: `${'😀'.repeat(5)}…`, originalCharacters: 19 });
    expect(Array.from(cut.text)).toHaveLength(6);
  });
});

import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from '../src/sse.ts';

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

/** Every way of cutting `text` in two, and one character at a time. */
function splits(text: string): string[][] {
  const out = [[...text]];
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

const STREAM =
  'event: conversation\r\ndata: {"conversation_id":"conv_1","conversation_token":"t"}\r\n\r\n' +
  ': keep-alive\n\n' +
  'event: delta\ndata: {"text":"Hel"}\n\n' +
  'event: delta\rdata: {"text":"lo"}\r\r' +
  'id: 7\nevent: done\ndata: {"message":\ndata: {"id":"msg_1"}}\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'conversation', data: '{"conversation_id":"conv_1","conversation_token":"t"}', id: '' },
  { event: 'delta', data: '{"text":"Hel"}', id: '' },
  { event: 'delta', data: '{"text":"lo"}', id: '' },
  { event: 'done', data: '{"message":\n{"id":"msg_1"}}', id: '7' },
];

describe('SSE parser', () => {
  it('reads events with CRLF, LF and CR line endings, comments and multi-line data', () => {
    expect(parse([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events however the stream is cut into chunks', () => {
    for (const chunks of splits(STREAM)) expect(parse(chunks)).toEqual(EXPECTED);
  });

  it('does not see an empty line between a CR and an LF split across chunks', () => {
    expect(parse(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([
      { event: 'message', data: 'a\nb', id: '' },
    ]);
  });

  it('names an event without an event field "message" and strips only one leading space', () => {
    expect(parse(['data:no space\ndata:  two spaces\n\n'])).toEqual([
      { event: 'message', data: 'no space\n two spaces', id: '' },
    ]);
  });

  it('drops an event the stream cut off before its blank line', () => {
    expect(parse(['event: delta\ndata: {"text":"ok"}\n\nevent: delta\ndata: {"text":"cut'])).toEqual([
      { event: 'delta', data: '{"text":"ok"}', id: '' },
    ]);
  });

  it('dispatches nothing for a blank line without data, and ignores unknown fields', () => {
    expect(parse(['event: ping\n\nretry: 1000\nfoo: bar\n\n'])).toEqual([]);
  });
});

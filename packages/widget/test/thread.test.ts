import { describe, expect, it } from 'vitest';
import * as T from '../src/thread.ts';
import type { Message } from '../src/types.ts';

const bot = (id: string, content: string): Message => ({ id, role: 'assistant', content, sources: [] });

/** What the visitor sees: role and text of each message, in order. */
const seen = (thread: T.Thread) => thread.map((m) => `${m.role}: ${m.content}`);

function sending(text: string) {
  let t: T.Thread = [];
  t = T.addLocal(t, { id: 'local_u', role: 'user', content: text });
  t = T.addLocal(t, { id: 'local_r', role: 'assistant', content: '', streaming: true });
  return t;
}

describe('message thread', () => {
  it('shows a streamed reply once, with its server id, when the events stream also delivers it', () => {
    let t = sending('Hi');
    t = T.confirmId(t, 'local_u', 'msg_u');
    t = T.appendDelta(t, 'local_r', 'Hel');
    t = T.appendDelta(t, 'local_r', 'lo');
    expect(seen(t)).toEqual(['user: Hi', 'assistant: Hello']);
    t = T.finishReply(t, 'local_r', bot('msg_r', 'Hello'));
    t = T.mergeMessage(t, bot('msg_r', 'Hello')); // the same message from the events stream
    t = T.mergeMessage(t, { id: 'msg_u', role: 'user', content: 'Hi' });
    expect(seen(t)).toEqual(['user: Hi', 'assistant: Hello']);
    expect(t.map((m) => m.id)).toEqual(['msg_u', 'msg_r']);
  });

  it('drops the streamed copy when the events stream delivered the reply first', () => {
    let t = sending('Hi');
    t = T.appendDelta(t, 'local_r', 'Hello');
    t = T.mergeMessage(t, bot('msg_r', 'Hello'));
    t = T.finishReply(t, 'local_r', bot('msg_r', 'Hello'));
    expect(seen(t)).toEqual(['user: Hi', 'assistant: Hello']);
  });

  it('matches our own message echoed by the events stream before its id was known', () => {
    let t = sending('Where is my order?');
    t = T.mergeMessage(t, { id: 'msg_u', role: 'user', content: 'Where is my order?' });
    t = T.confirmId(t, 'local_u', 'msg_u');
    expect(seen(t)).toEqual(['user: Where is my order?', 'assistant: ']);
    expect(t[0]!.id).toBe('msg_u');
  });

  it('keeps the sources that streamed when the final message has none', () => {
    let t = sending('Hi');
    t = T.setSources(t, 'local_r', [{ title: 'Docs', url: 'https://docs.example.com', citation: 1 }]);
    t = T.finishReply(t, 'local_r', bot('msg_r', 'Hello [1]'));
    expect(t[1]!.sources).toEqual([{ title: 'Docs', url: 'https://docs.example.com', citation: 1 }]);
  });

  it('removes a reply that failed before any text, and keeps a partial one marked as cut short', () => {
    expect(seen(T.abandonReply(sending('Hi'), 'local_r'))).toEqual(['user: Hi']);
    const partial = T.abandonReply(T.appendDelta(sending('Hi'), 'local_r', 'Half'), 'local_r');
    expect(seen(partial)).toEqual(['user: Hi', 'assistant: Half']);
    expect(partial[1]).toMatchObject({ interrupted: true, streaming: false });
  });

  it('adds agent messages once each, in arrival order', () => {
    let t: T.Thread = [];
    const agent: Message = { id: 'msg_a', role: 'agent', content: 'I can help', author_name: 'Sam' };
    t = T.mergeMessage(t, agent);
    t = T.mergeMessage(t, agent);
    t = T.mergeMessage(t, { ...agent, id: 'msg_b', content: 'Done' });
    expect(seen(t)).toEqual(['agent: I can help', 'agent: Done']);
  });
});

// What the offline answerer replies on knowledge worded otherwise than the question: a fact found
// through words the pages do not use, follow-ups that keep their own subject, off-topic questions
// that fall back, and odd input (very long, emoji only, another language) that gets an answer or
// the fallback, never an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let botId: string;

const PAGES = [
  {
    title: 'Returns',
    content: `# Returns

You can request a refund within 45 days of delivery. The item must be unused and in its original box.`,
  },
  {
    title: 'Installing the quokka package',
    content: `# Installing the quokka package

On Linux, install it with \`sudo apt install quokka-tools\`. On macOS, use Homebrew: \`brew install quokka\`.`,
  },
  {
    title: 'Installing the marmoset package',
    content: `# Installing the marmoset package

On Linux, marmosets are installed with the marmoset-setup script from the downloads page. Marmosets need 2 GB of free disk space.`,
  },
];

beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ws = await buildWorkspace(t.context);
  const bot = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Shop' },
  });
  botId = bot.json().id;
  for (const page of PAGES) {
    const source = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: { type: 'text', ...page },
    });
    expect(source.statusCode, source.body).toBe(202);
    const deadline = Date.now() + 30_000;
    while (
      (await t.request({ url: `/v1/sources/${source.json().id}`, key: ws.liveKey })).json().status !== 'ready'
    ) {
      if (Date.now() > deadline) throw new Error('the source was not trained in 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});
afterAll(async () => {
  await t.close();
});

async function chat(message: string, conversationId?: string) {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/chat`,
    key: ws.liveKey,
    body: { message, ...(conversationId ? { conversation_id: conversationId } : {}) },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { conversation_id: string; reply: string; grounded: boolean };
}

describe('offline answers', () => {
  it('states the fact when the question uses words no page has', async () => {
    // "many" and "ask" are in no chunk: they are how the question is worded, not its subject.
    const reply = await chat('How many days do I have to ask for a refund?');
    expect(reply.grounded).toBe(true);
    expect(reply.reply).toContain('45 days of delivery');
  });

  it('answers a follow-up about another subject with that subject, not the earlier one', async () => {
    const first = await chat('How do I install the quokka package on Linux?');
    expect(first.reply).toContain('sudo apt install quokka-tools');
    const second = await chat('What about marmosets?', first.conversation_id);
    expect(second.grounded).toBe(true);
    expect(second.reply).toContain('marmoset-setup script');
    expect(second.reply).not.toContain('quokka');
    // A subject the knowledge does not cover falls back rather than repeat the earlier answer.
    const third = await chat('What about wombats?', first.conversation_id);
    expect(third.grounded).toBe(false);
    expect(third.reply).not.toContain('quokka');
  });

  it('falls back on questions the knowledge does not answer', async () => {
    for (const question of [
      'Can you recommend a good pizza place?',
      'What is the capital of Mongolia?',
      'Do you sell gift cards for wombats?',
    ]) {
      const reply = await chat(question);
      expect({ question, grounded: reply.grounded }).toEqual({ question, grounded: false });
    }
  });

  it('answers odd input or falls back, never with an error', async () => {
    const long = `My order arrived damaged and I would like my money back. ${'Some more context about the order. '.repeat(110)}How many days do I have?`;
    expect(long.length).toBeGreaterThan(3500);
    expect(long.length).toBeLessThanOrEqual(4000);
    for (const message of [
      long,
      '🙂🙂🙂',
      '🤔❓',
      '¿Cuántos días tengo para pedir un reembolso?',
      '退货需要多少天？',
      '   ?   ',
    ]) {
      const reply = await chat(message);
      expect(typeof reply.reply).toBe('string');
      expect(reply.reply.length).toBeGreaterThan(0);
    }
    for (const query of [long, '🙂🙂🙂', '退货需要多少天？']) {
      const response = await t.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/search`,
        key: ws.liveKey,
        body: { query },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(Array.isArray(response.json().data)).toBe(true);
    }
  });
});

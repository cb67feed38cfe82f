import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApi, describeError } from '../src/api.ts';
import type { ChatEvent } from '../src/types.ts';

// A local server speaking the public API's protocol (docs/widget.md), so the client is tested
// over real HTTP with real chunked event streams.
type Seen = { method?: string; url?: string; auth?: string; body?: unknown };
const seen: Seen[] = [];
let server: Server;
let base: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

function error(res: ServerResponse, status: number, code: string, message: string, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { type: 'x', code, message, status } }));
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
  const path = req.url!.replace('/public/v1/chatbots/bot_1', '');
  if (path === '/config') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ chatbot_id: 'bot_1', title: 'Help', starter_questions: [] }));
  }
  if (path === '/chat' && body.message === 'slow down') {
    return error(res, 429, 'rate_limit_exceeded', 'Too many requests.', { 'Retry-After': '17' });
  }
  if (path === '/chat' && body.message === 'elsewhere') {
    return error(res, 403, 'origin_not_allowed', 'Origin not allowed.');
  }
  if (path === '/chat') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    const stream =
      'event: conversation\ndata: {"conversation_id":"conv_1","conversation_token":"tok_2","user_message_id":"msg_u","mode":"bot"}\n\n' +
      'event: delta\ndata: {"text":"Hello "}\n\n' +
      'event: delta\ndata: {"text":"wörld"}\n\n' +
      'event: sources\ndata: {"sources":[{"title":"Docs","url":"https://docs.example.com","citation":1}]}\n\n' +
      'event: done\ndata: {"message":{"id":"msg_r","role":"assistant","content":"Hello wörld"}}\n\n';
    // Cut into small byte pieces (splitting the multi-byte "ö" too) with pauses between them.
    const bytes = Buffer.from(stream);
    for (let i = 0; i < bytes.length; i += 7) {
      res.write(bytes.subarray(i, i + 7));
      await sleep(1);
    }
    return res.end();
  }
  if (path.startsWith('/conversations/conv_1/messages')) {
    if (req.headers.authorization !== 'Bearer tok_1') return error(res, 401, 'invalid_token', 'Bad token.');
    const second = path.includes('cursor=next');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(
      JSON.stringify({
        conversation: { id: 'conv_1', mode: 'human' },
        data: [{ id: second ? 'msg_2' : 'msg_1', role: 'user', content: second ? 'two' : 'one' }],
        has_more: !second,
        next_cursor: second ? null : 'next',
      }),
    );
  }
  if (path === '/conversations/conv_1/rating') {
    if (req.headers.authorization !== 'Bearer tok_1') return error(res, 401, 'invalid_token', 'Bad token.');
    if (body.rating === 2)
      return error(res, 409, 'already_rated', 'This conversation has been rated already.');
    res.writeHead(201, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ rated: true, rating: body.rating }));
  }
  error(res, 404, 'not_found', 'Nothing here.');
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => server.close());

describe('public API client', () => {
  it('streams a reply: conversation, deltas, sources and done, from a chunked body', async () => {
    const api = createApi(base, 'bot_1');
    const events: ChatEvent[] = [];
    await api.chat({ message: 'hi', conversation_id: 'conv_1' }, 'tok_1', (e) => events.push(e));
    expect(events.map((e) => e.type)).toEqual(['conversation', 'delta', 'delta', 'sources', 'done']);
    const text = events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
    expect(text).toBe('Hello wörld');
    expect(events[0]).toMatchObject({ conversation_id: 'conv_1', conversation_token: 'tok_2' });
    const request = seen.find((s) => s.url?.endsWith('/chat'));
    expect(request).toMatchObject({
      method: 'POST',
      auth: 'Bearer tok_1',
      body: { message: 'hi', conversation_id: 'conv_1' },
    });
  });

  it('sends no Authorization header without a token', async () => {
    await createApi(base, 'bot_1').config();
    expect(seen.at(-1)).toMatchObject({ url: '/public/v1/chatbots/bot_1/config', auth: undefined });
  });

  it('turns a 429 into an error with Retry-After and a readable line', async () => {
    const err = await createApi(base, 'bot_1')
      .chat({ message: 'slow down' }, null, () => {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryAfter: 17 });
    expect(describeError(err)).toBe('Too many messages. Please try again in 17 seconds.');
  });

  it('turns 403 origin_not_allowed into a readable line', async () => {
    const err = await createApi(base, 'bot_1')
      .chat({ message: 'elsewhere' }, null, () => {})
      .catch((e: unknown) => e);
    expect(describeError(err)).toBe('This chat is not available on this site.');
  });

  it('tells a visitor a paused bot is paused, without its id', () => {
    const paused = new ApiError(409, {
      code: 'chatbot_inactive',
      message: "The chatbot 'bot_01jdz6qg0ef8s9cm8y0d7sv9k2' is paused.",
    });
    expect(describeError(paused)).toBe('This chat is paused right now. Please try again later.');
  });

  it('reads the whole history across pages, with the token', async () => {
    const { conversation, messages } = await createApi(base, 'bot_1').messages('conv_1', 'tok_1');
    expect(conversation).toMatchObject({ mode: 'human' });
    expect(messages.map((m) => m.content)).toEqual(['one', 'two']);
    const err = await createApi(base, 'bot_1')
      .messages('conv_1', 'stale')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401 });
  });

  it('rates a resolved conversation with its token, the comment only when there is one', async () => {
    const api = createApi(base, 'bot_1');
    expect(await api.rateConversation('conv_1', 'tok_1', 4, 'Quick and kind')).toEqual({
      rated: true,
      rating: 4,
    });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/public/v1/chatbots/bot_1/conversations/conv_1/rating',
      auth: 'Bearer tok_1',
      body: { rating: 4, comment: 'Quick and kind' },
    });
    await api.rateConversation('conv_1', 'tok_1', 5);
    expect(seen.at(-1)?.body).toEqual({ rating: 5 });
    const again = await api.rateConversation('conv_1', 'tok_1', 2).catch((e: unknown) => e);
    expect(again).toMatchObject({ status: 409, code: 'already_rated' });
  });

  it('words other failures for a visitor', () => {
    const quota = new ApiError(429, { code: 'monthly_message_limit_reached', message: 'Quota.' });
    expect(describeError(quota)).toBe(
      'This chat cannot take more messages right now. Please try again later.',
    );
    expect(describeError(new ApiError(429, { code: 'rate_limit_exceeded' }))).toBe(
      'Too many messages. Please wait a moment and try again.',
    );
    expect(describeError(new ApiError(502, { code: 'provider_error', message: 'upstream said 500' }))).toBe(
      'The chat service had a problem. Please try again.',
    );
    expect(
      describeError(
        new ApiError(400, { code: 'missing_required_field', message: "The 'email' field is required." }),
      ),
    ).toBe("The 'email' field is required.");
  });

  it('says plainly when the service cannot be reached', async () => {
    const err = await createApi('http://127.0.0.1:1', 'bot_1')
      .config()
      .catch((e: unknown) => e);
    expect(describeError(err)).toBe('Could not reach the chat service. Check your connection and try again.');
  });

  it('puts the token in the events URL, encoded', () => {
    expect(createApi('https://h.example/', 'bot_1').eventsUrl('conv_1', 'a+b/c')).toBe(
      'https://h.example/public/v1/chatbots/bot_1/conversations/conv_1/events?token=a%2Bb%2Fc',
    );
  });
});

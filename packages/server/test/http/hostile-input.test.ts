// Input no text may hold (NUL, unpaired surrogates), bodies nested past any real use, and JSON
// sent under another media type: each is a 4xx in the error envelope that names what was wrong,
// changes nothing, and leaves no message text or query string in the log.
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { type Context, createContext } from '../../src/runtime/context.ts';
import { buildWorkspace, type TestWorkspace } from '../helpers/factories.ts';
import { testConfig } from '../helpers/test-app.ts';
import { visitorIp } from '../helpers/widget-client.ts';

const SITE = 'https://shop.example';
const logLines: string[] = [];
let app: FastifyInstance;
let context: Context;
let ws: TestWorkspace;
let botId: string;

beforeAll(async () => {
  // Built here rather than with startTestApp: these tests read the log the app writes.
  const config = testConfig();
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });
  context = await createContext(config, createLogger('info', sink), { pgliteDir: 'memory://' });
  app = await buildApp(context);
  ws = await buildWorkspace(context);
  const bot = await send({
    method: 'POST',
    url: '/v1/chatbots',
    body: { name: 'Shop', widget_settings: { allowed_origins: [SITE] } },
  });
  expect(bot.statusCode).toBe(201);
  botId = bot.json().id;
});
afterAll(async () => {
  await app.close();
  await context.close();
});

function send(options: {
  method?: 'GET' | 'POST';
  url: string;
  body?: unknown;
  /** Sent as is when a string: the tests below write JSON by hand. */
  raw?: string;
  headers?: Record<string, string>;
  key?: string | null;
}) {
  const { method = 'GET', url, body, raw, headers = {}, key = ws.liveKey } = options;
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  return app.inject({
    method,
    url,
    remoteAddress: visitorIp(),
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(payload === undefined ? {} : { payload }),
  });
}

function expectRefused(response: LightMyRequestResponse, param: string) {
  expect(response.statusCode).toBe(400);
  expect(response.json().error).toMatchObject({
    type: 'invalid_request_error',
    code: 'invalid_characters',
    param,
    status: 400,
  });
}

async function conversationCount(): Promise<number> {
  const list = await send({ url: '/v1/conversations?page_size=100' });
  return list.json().data.length;
}

describe('NUL bytes and unpaired surrogates', () => {
  it('are refused in a key name, a chat message, its metadata and a source, naming the field', async () => {
    const before = await conversationCount();
    expectRefused(
      await send({ method: 'POST', url: '/v1/api-keys', body: { name: 'ops\u0000key' } }),
      'name',
    );
    // JSON.stringify writes a lone surrogate as the escape \ud800, which JSON.parse turns back into one.
    expectRefused(
      await send({ method: 'POST', url: `/v1/chatbots/${botId}/chat`, body: { message: 'hi \ud800 there' } }),
      'message',
    );
    expectRefused(
      await send({
        method: 'POST',
        url: `/v1/chatbots/${botId}/chat`,
        body: { message: 'hello', metadata: { page: { tags: ['ok', 'bad\udc00'] } } },
      }),
      'metadata.page.tags.1',
    );
    expectRefused(
      await send({
        method: 'POST',
        url: `/v1/chatbots/${botId}/chat`,
        body: { message: 'hello', metadata: { 'a\u0000b': 1 } },
      }),
      'metadata',
    );
    expectRefused(
      await send({
        method: 'POST',
        url: `/v1/chatbots/${botId}/sources`,
        body: { type: 'text', title: 'Returns', content: 'Refunds\u0000 within 30 days.' },
      }),
      'content',
    );
    const refused = await send({ method: 'POST', url: '/v1/api-keys', body: { name: 'x\u0000' } });
    expect(refused.json().error.message).toContain("'name'");

    // Nothing was stored.
    const keys = await send({ url: '/v1/api-keys' });
    expect(keys.json().data.map((k: { name: string }) => k.name)).toEqual(['live key']);
    const sources = await send({ url: `/v1/chatbots/${botId}/sources` });
    expect(sources.json().data).toEqual([]);
    expect(await conversationCount()).toBe(before);
  });

  it('are refused in the widget’s public chat and in query parameters', async () => {
    const publicChat = await send({
      method: 'POST',
      url: `/public/v1/chatbots/${botId}/chat`,
      key: null,
      headers: { origin: SITE },
      body: { message: 'where is my order \u0000' },
    });
    expectRefused(publicChat, 'message');
    expectRefused(await send({ url: '/v1/conversations?q=refund%00' }), 'q');
    expectRefused(await send({ url: '/v1/conversations?channel=web%00' }), 'channel');
  });

  it('are accepted as escapes of well-formed text: emoji, accents, a paired surrogate', async () => {
    const chat = await send({
      method: 'POST',
      url: `/v1/chatbots/${botId}/chat`,
      body: { message: 'Où est ma commande 📦 ?', metadata: { note: '😀 ok' } },
    });
    expect(chat.statusCode).toBe(200);
  });
});

function nested(depth: number, leaf: unknown = 'x'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

describe('deeply nested JSON', () => {
  it('is a 400 before anything reads it, with or without an Idempotency-Key', async () => {
    // Written by hand: JSON.stringify itself overflows its stack on values this deep.
    const deep = `{"message":"hello","metadata":{"x":${'['.repeat(5000)}1${']'.repeat(5000)}}}`;
    const headerSets: Record<string, string>[] = [{ 'idempotency-key': 'deep-1' }, {}];
    for (const headers of headerSets) {
      const response = await send({ method: 'POST', url: `/v1/chatbots/${botId}/chat`, raw: deep, headers });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({
        type: 'invalid_request_error',
        code: 'json_too_deep',
        status: 400,
      });
    }
    const deepPublic = await send({
      method: 'POST',
      url: `/public/v1/chatbots/${botId}/chat`,
      key: null,
      headers: { origin: SITE },
      raw: `{"message":${'['.repeat(2000)}${']'.repeat(2000)}}`,
    });
    expect(deepPublic.statusCode).toBe(400);
    expect(deepPublic.json().error.code).toBe('json_too_deep');
  });

  it('is accepted up to 64 levels, enough for real metadata', async () => {
    const response = await send({
      method: 'POST',
      url: `/v1/chatbots/${botId}/chat`,
      body: { message: 'hello', metadata: { x: nested(61) } },
      headers: { 'idempotency-key': 'deep-ok' },
    });
    expect(response.statusCode).toBe(200);
    const tooDeep = await send({
      method: 'POST',
      url: `/v1/chatbots/${botId}/chat`,
      body: { message: 'hello', metadata: { x: nested(63) } },
    });
    expect(tooDeep.statusCode).toBe(400);
  });

  it('counts brackets inside strings as text, not as nesting', async () => {
    const response = await send({
      method: 'POST',
      url: `/v1/chatbots/${botId}/chat`,
      body: { message: `${'[{'.repeat(100)} "quoted \\" [ text` },
    });
    expect(response.statusCode).toBe(200);
  });
});

describe('JSON under another Content-Type', () => {
  it('is a 415 in the error envelope, on the API and on the widget’s public API', async () => {
    const body = JSON.stringify({ name: 'plain' });
    const asText = await send({
      method: 'POST',
      url: '/v1/chatbots',
      raw: body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(asText.statusCode).toBe(415);
    expect(asText.json().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
      status: 415,
    });
    const publicText = await send({
      method: 'POST',
      url: `/public/v1/chatbots/${botId}/chat`,
      key: null,
      raw: JSON.stringify({ message: 'hi' }),
      headers: { origin: SITE, 'content-type': 'text/plain;charset=UTF-8' },
    });
    expect(publicText.statusCode).toBe(415);
    expect(publicText.json().error.code).toBe('unsupported_media_type');
    const list = await send({ url: '/v1/chatbots' });
    expect(list.json().data.map((b: { name: string }) => b.name)).toEqual(['Shop']);
  });
});

describe('the log', () => {
  it('holds the path of a request, never its query string', async () => {
    const marker = 'private-query-text-7c1e';
    const response = await send({ url: `/v1/conversations?q=${marker}&email=someone%40example.com` });
    expect(response.statusCode).toBe(200);
    await send({ url: `/v1/conversations?q=${marker}%00` });
    const log = logLines.join('');
    expect(log).toContain('"url":"/v1/conversations"');
    expect(log).not.toContain(marker);
    expect(log).not.toContain('someone');
  });
});

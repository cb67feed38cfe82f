import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
beforeAll(async () => {
  t = await startTestApp();
  // A route that fails the way a bug would, to see what a caller gets from an unexpected error.
  t.app.get('/test-only/explode', async () => {
    throw new Error('database password is hunter2 at /srv/parley/src/secret.ts:12');
  });
  ws = await buildWorkspace(t.context);
});
afterAll(async () => {
  await t.close();
});

describe('error envelope', () => {
  it('answers unknown routes with a 404 envelope, with or without a key', async () => {
    for (const key of [undefined, ws.liveKey]) {
      const response = await t.request({ url: '/v1/no-such-thing?x=1', key });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        error: {
          type: 'not_found_error',
          code: 'route_not_found',
          message: 'No route GET /v1/no-such-thing.',
          status: 404,
          request_id: response.headers['x-request-id'],
        },
      });
    }
  });

  it('answers malformed JSON with a 400 and changes nothing', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body: '{"name": "x"',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    const list = (await t.request({ url: '/v1/api-keys', key: ws.liveKey })).json();
    expect(list.data).toHaveLength(1);
  });

  it('refuses a body that is not UTF-8, rather than storing replacement characters', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/labels',
      headers: { authorization: `Bearer ${ws.liveKey}`, 'content-type': 'application/json' },
      payload: Buffer.concat([
        Buffer.from('{"name":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('","color":"#000000"}'),
      ]),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'invalid_encoding',
      message: 'The request body is not valid UTF-8.',
    });
    const labels = await t.request({ url: '/v1/labels', key: ws.liveKey });
    expect(labels.json().data).toEqual([]);
    // The same text in UTF-8 is a label.
    const created = await t.request({
      method: 'POST',
      url: '/v1/labels',
      key: ws.liveKey,
      body: { name: 'café', color: '#000000' },
    });
    expect(created.json()).toMatchObject({ name: 'café' });
    await t.request({ method: 'DELETE', url: `/v1/labels/${created.json().id}`, key: ws.liveKey });
  });

  it('answers a non-JSON content type with 415', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body: 'name=x',
      headers: { 'content-type': 'text/csv' },
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
    });
  });

  it('names the offending field of a validation error', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body: { name: 'a'.repeat(101) },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_parameter', param: 'name' });
    expect(response.json().error.message).toContain("'name'");
  });

  it('says what type a field must be, and that a missing or empty body must be an object', async () => {
    const mistyped = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body: { name: 5 },
    });
    expect(mistyped.statusCode).toBe(400);
    expect(mistyped.json().error).toMatchObject({
      code: 'invalid_parameter',
      message: "The field 'name' must be a string.",
      param: 'name',
    });
    // No body, or an empty one sent as JSON, is no body: the route's schema decides.
    for (const headers of [{}, { 'content-type': 'application/json' }]) {
      const bare = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: { authorization: `Bearer ${ws.liveKey}`, ...headers },
        payload: '',
      });
      expect(bare.statusCode).toBe(400);
      expect(bare.json().error).toMatchObject({
        code: 'invalid_parameter',
        message: 'The request body must be an object.',
      });
    }
    const list = (await t.request({ url: '/v1/api-keys', key: ws.liveKey })).json();
    expect(list.data).toHaveLength(1);
  });

  it('refuses text that is only spaces where text is required', async () => {
    const bot = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: ws.liveKey,
      body: { name: 'Blank test', fallback_message: '   ' },
    });
    expect(bot.statusCode).toBe(400);
    expect(bot.json().error).toMatchObject({
      code: 'invalid_parameter',
      message: "The field 'fallback_message' must not be blank.",
      param: 'fallback_message',
    });
    const created = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: ws.liveKey,
      body: { name: 'Spaces' },
    });
    const source = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${created.json().id}/sources`,
      key: ws.liveKey,
      body: { type: 'text', title: ' \t ', content: 'Some knowledge.' },
    });
    expect(source.statusCode).toBe(400);
    expect(source.json().error).toMatchObject({
      message: "The field 'title' must not be blank.",
      param: 'title',
    });
  });

  it('refuses a body on a route that takes none, and changes nothing', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body: { name: 'Spare' },
    });
    const id = created.json().id as string;
    for (const body of ['"str"', '[]', '{"reason": "rotated"}']) {
      const refused = await t.request({ method: 'DELETE', url: `/v1/api-keys/${id}`, key: ws.liveKey, body });
      expect(refused.statusCode, body).toBe(400);
      expect(refused.json().error).toMatchObject({
        code: 'unexpected_body',
        message: 'DELETE /v1/api-keys/:id takes no request body: send none, or {}.',
      });
    }
    const listed = (await t.request({ url: '/v1/api-keys', key: ws.liveKey })).json().data as {
      id: string;
      status: string;
    }[];
    expect(listed.find((row) => row.id === id)?.status).toBe('active');
    const revoked = await t.request({
      method: 'DELETE',
      url: `/v1/api-keys/${id}`,
      key: ws.liveKey,
      body: {},
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
  });

  it('refuses a query parameter a list does not take, rather than returning the list unfiltered', async () => {
    for (const url of [
      '/v1/chatbots?is_active=true',
      '/v1/leads?status=new',
      '/v1/webhooks?page_size=5&x=1',
    ]) {
      const refused = await t.request({ url, key: ws.liveKey });
      expect(refused.statusCode, url).toBe(400);
      expect(refused.json().error, url).toMatchObject({ code: 'unknown_parameter' });
    }
    const listed = await t.request({ url: '/v1/chatbots?page_size=5', key: ws.liveKey });
    expect(listed.statusCode).toBe(200);
  });

  it('refuses any query parameter on a route that takes none, and an empty cursor', async () => {
    const bot = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: ws.liveKey,
      body: { name: 'Q' },
    });
    for (const url of [
      '/v1/usage?month=2026-01',
      `/v1/chatbots/${bot.json().id}?is_active=true`,
      '/v1/workspace?x=1',
    ]) {
      const refused = await t.request({ url, key: ws.liveKey });
      expect(refused.statusCode, url).toBe(400);
      expect(refused.json().error, url).toMatchObject({ code: 'unknown_parameter' });
    }
    const empty = await t.request({ url: '/v1/chatbots?cursor=', key: ws.liveKey });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatchObject({
      param: 'cursor',
      message: "The query parameter 'cursor' must not be empty.",
    });
  });

  it('says in plain words what a field must look like', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/labels', { name: '   ', color: '#123456' }, "The field 'name' must not be blank."],
      ['POST', '/v1/labels', { name: '\u200b', color: '#123456' }, "The field 'name' must not be blank."],
      ['POST', '/v1/chatbots', { name: '\u200b\u200c' }, "The field 'name' must not be blank."],
      [
        'POST',
        '/v1/chatbots',
        { name: 'x'.repeat(101) },
        "The field 'name' must be at most 100 characters long.",
      ],
      [
        'POST',
        '/v1/chatbots',
        { name: 'O', widget_settings: { allowed_origins: ['foo bar'] } },
        "The field 'widget_settings.allowed_origins.0' must be an origin: http:// or https://, a host and an optional port, with no path (https://www.example.com, or https://*.example.com for its subdomains).",
      ],
      [
        'POST',
        '/v1/chatbots',
        { name: 'O', widget_settings: { title: ' ' } },
        "The field 'widget_settings.title' must not be blank.",
      ],
    ];
    for (const [method, url, body, message] of cases) {
      const refused = await t.request({ method: method as 'POST', url, key: ws.liveKey, body });
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(refused.json().error.message).toBe(message);
    }
    const labels = await t.request({ url: '/v1/labels', key: ws.liveKey });
    expect(labels.json().data).toEqual([]);
  });

  it('hides the details of unexpected errors behind a generic 500', async () => {
    const response = await t.request({ url: '/test-only/explode' });
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body.error).toMatchObject({ type: 'api_error', code: 'internal_error', status: 500 });
    expect(body.error.message).toContain(body.error.request_id);
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('secret.ts');
  });

  it('puts a unique X-Request-Id on every response', async () => {
    const responses = await Promise.all([
      t.request({ url: '/healthz' }),
      t.request({ url: '/v1/workspace', key: ws.liveKey }),
      t.request({ url: '/v1/workspace' }),
      t.request({ url: '/nowhere' }),
    ]);
    const ids = responses.map((r) => r.headers['x-request-id']);
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

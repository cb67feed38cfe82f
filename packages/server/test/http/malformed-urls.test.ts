// URLs the router itself refuses (broken percent-encoding, a path parameter longer than any id)
// get the same error envelope and request id as every other error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
beforeAll(async () => {
  t = await startTestApp();
  ws = await buildWorkspace(t.context);
});
afterAll(async () => {
  await t.close();
});

describe('URLs the router refuses', () => {
  it.each(['/v1/chatbots/%FF%FE', '/v1/chatbots/%zz/sources', '/public/v1/chatbots/%ED%A0%80/config'])(
    'answers broken percent-encoding in %s with a 400 envelope',
    async (url) => {
      const response = await t.request({ url, key: ws.liveKey });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: {
          type: 'invalid_request_error',
          code: 'invalid_url',
          message: expect.stringContaining('percent-encoding'),
          status: 400,
          request_id: response.headers['x-request-id'],
        },
      });
    },
  );

  it.each([
    '/v1/conversations?q=%zz',
    '/v1/conversations?q=%FF',
    '/v1/conversations?q=%C0%80',
    '/v1/canned-replies?shortcut=%ED%A0%80',
    '/compat/sitegist/api/v1/conversations?chatbotId=%zz',
  ])('answers broken percent-encoding in the query string of %s with a 400', async (url) => {
    const response = await t.request({ url, key: ws.liveKey });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    if (url.startsWith('/compat/sitegist')) {
      expect(body).toEqual({ error: expect.stringContaining('percent-encoding') }); // the seed's body
    } else {
      expect(body.error).toMatchObject({
        code: 'invalid_url',
        message: expect.stringContaining('percent-encoding'),
      });
    }
  });

  it('takes a well-encoded query string, a literal plus and UTF-8 included', async () => {
    const response = await t.request({ url: '/v1/conversations?q=caf%C3%A9+au+lait', key: ws.liveKey });
    expect(response.statusCode, response.body).toBe(200);
  });

  it('answers a path parameter longer than any id with a 414 envelope', async () => {
    const response = await t.request({ url: `/v1/chatbots/${'x'.repeat(5000)}`, key: ws.liveKey });
    expect(response.statusCode).toBe(414);
    expect(response.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'url_too_long',
        message: expect.stringContaining('too long'),
        status: 414,
        request_id: response.headers['x-request-id'],
      },
    });
  });
});

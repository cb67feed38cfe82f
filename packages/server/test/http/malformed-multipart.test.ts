// An upload whose body is not the multipart/form-data its Content-Type claims (cut short, or
// JSON) is the caller's mistake: a 400 in the envelope, and no source is made.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let bot: string;
beforeAll(async () => {
  t = await startTestApp();
  ws = await buildWorkspace(t.context);
  bot = (
    await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.liveKey, body: { name: 'Docs' } })
  ).json().id;
});
afterAll(async () => {
  await t.close();
});

describe('POST /v1/chatbots/{id}/sources with a broken multipart body', () => {
  it.each([
    ['JSON sent as multipart', '{"type":"text"}'],
    ['a body cut after its first boundary', '--x\r\n'],
    ['a part cut before its end', '--x\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile'],
  ])('answers %s with a 400 and makes nothing', async (_name, payload) => {
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/sources`,
      key: ws.liveKey,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: payload,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_multipart' });
    const sources = await t.request({ url: `/v1/chatbots/${bot}/sources`, key: ws.liveKey });
    expect(sources.json().data).toEqual([]);
  });
});

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

  it('answers two files in one upload with a 400 that says to send one, and makes nothing', async () => {
    const part = (name: string) =>
      `--x\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/plain\r\n\r\nSome text.\r\n`;
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/sources`,
      key: ws.liveKey,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: `--x\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n${part('a.txt')}${part('b.txt')}--x--\r\n`,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'too_many_files',
      message: 'Send one file per request, in the `file` field.',
    });
    const sources = await t.request({ url: `/v1/chatbots/${bot}/sources`, key: ws.liveKey });
    expect(sources.json().data).toEqual([]);
  });

  it('takes a text source larger than other JSON bodies may be, and refuses blank text', async () => {
    const content = `${'Refunds are possible within 30 days. '.repeat(40_000)}`.slice(0, 1_500_000);
    const large = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/sources`,
      key: ws.liveKey,
      body: { type: 'text', title: 'Large', content },
    });
    expect(large.statusCode, large.body.slice(0, 300)).toBe(202);
    for (const body of [
      { type: 'text', title: 'Blank', content: ' \n\t ' },
      { type: 'qa', pairs: [{ question: '  ', answer: 'Yes.' }] },
      { type: 'qa', pairs: [{ question: 'Refunds?', answer: '   ' }] },
    ]) {
      const blank = await t.request({
        method: 'POST',
        url: `/v1/chatbots/${bot}/sources`,
        key: ws.liveKey,
        body,
      });
      expect(blank.statusCode).toBe(400);
      expect(blank.json().error.message).toMatch(/must not be blank\.$/);
    }
    await t.request({ method: 'DELETE', url: `/v1/sources/${large.json().id}`, key: ws.liveKey });
  });
});

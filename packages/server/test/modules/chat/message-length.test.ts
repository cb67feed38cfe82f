// A message's length is counted in characters as a person counts them (Unicode code points), on
// the API and on the widget's public API: an emoji is one character, not two.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { widgetClient } from '../../helpers/widget-client.ts';

const SITE = 'https://shop.example';
let t: TestApp;
let ws: TestWorkspace;
let botId: string;
beforeAll(async () => {
  t = await startTestApp({ PARLEY_MAX_MESSAGE_CHARS: '40' });
  ws = await buildWorkspace(t.context);
  const bot = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.testKey,
    body: { name: 'Shop', widget_settings: { allowed_origins: [SITE] } },
  });
  botId = bot.json().id;
});
afterAll(async () => {
  await t.close();
});

function chat(message: string) {
  return t.request({ method: 'POST', url: `/v1/chatbots/${botId}/chat`, key: ws.testKey, body: { message } });
}

describe('message length', () => {
  it('counts an emoji as one character on the API', async () => {
    expect((await chat('😀'.repeat(40))).statusCode).toBe(200);
    const tooLong = await chat('😀'.repeat(41));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'message_too_long',
      param: 'message',
      message: 'The message is 41 characters long; the limit is 40.',
    });
    expect((await chat('a'.repeat(41))).statusCode).toBe(400);
  });

  it('counts an emoji as one character on the widget’s public chat', async () => {
    const { chat: publicChat } = widgetClient(t, SITE);
    const accepted = await publicChat(botId, { message: '📦'.repeat(40) });
    expect(accepted.response.statusCode).toBe(200);
    const refused = await publicChat(botId, { message: '📦'.repeat(41) });
    expect(refused.response.statusCode).toBe(400);
    expect(refused.response.json().error.message).toBe('The message is 41 characters long; the limit is 40.');
  });
});

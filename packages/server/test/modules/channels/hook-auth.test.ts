// The platforms' webhook URLs under /hooks/channels check who calls before they read what is sent:
// a request without the channel's secret or signature is a 403 that reveals nothing and changes
// nothing, whatever its body (one the schema refuses, malformed JSON, none at all, another
// content type), on every platform, and for a channel that does not exist. Only an authenticated
// request learns that its body is wrong (400).
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeSlack } from '../../fakes/fake-slack.ts';
import { startFakeSmtp } from '../../fakes/fake-smtp.ts';
import { startFakeTelegram } from '../../fakes/fake-telegram.ts';
import { startFakeWhatsApp, WHATSAPP_PHONE_ID } from '../../fakes/fake-whatsapp.ts';
import { startWebhookReceiver } from '../../fakes/webhook-receiver.ts';
import { channelEvents, startChannelApp } from './channel-fixtures.ts';
import { connectMailgun } from './email-fixtures.ts';

const telegram = await startFakeTelegram();
const slack = await startFakeSlack();
const whatsapp = await startFakeWhatsApp();
const peer = await startWebhookReceiver('/replies');
const smtp = await startFakeSmtp({ parley: 'smtp-password' });
const { t, ws, bot, close } = await startChannelApp({
  PARLEY_TELEGRAM_API_URL: telegram.url,
  PARLEY_SLACK_API_URL: slack.url,
  PARLEY_WHATSAPP_API_URL: whatsapp.url,
  PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
});
afterAll(async () => {
  await close();
  await Promise.all([telegram.close(), slack.close(), whatsapp.close(), peer.close(), smtp.close()]);
});

const TELEGRAM_TOKEN = '7101:AAHfakeTokenForHookAuthTests';
const channels: Record<string, string> = {};

let customSecret = '';

async function connect(body: Record<string, unknown>): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${bot}/channels`,
    key: ws.liveKey,
    body,
  });
  expect(response.statusCode, response.body).toBe(201);
  if (body.type === 'custom') customSecret = response.json().secret;
  return response.json().id;
}

/** Bodies that the routes' schemas, or their JSON parser, refuse. */
const UNREADABLE: [string, { body?: string; contentType?: string }][] = [
  ['a body its schema refuses', { body: '{"message":{"text":"x"},"type":5,"thread_id":7,"object":5}' }],
  ['malformed JSON', { body: '{"update_id": 1, "message": ' }],
  ['no body', {}],
  ['another content type', { body: 'update_id=1', contentType: 'text/plain' }],
];

/** Headers that sign nothing valid, per route. */
const FORGED: Record<string, Record<string, string>> = {
  telegram: { 'x-telegram-bot-api-secret-token': 'not-the-secret' },
  slack: { 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=00' },
  whatsapp: { 'x-hub-signature-256': 'sha256=00' },
  custom: {
    'webhook-id': 'msg_forged',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': 'v1,AAAA',
  },
  email: {},
};

const pathOf = (type: string, id: string) =>
  type === 'custom' ? `/hooks/channels/${id}` : `/hooks/channels/${id}/${type}`;

describe('the platforms’ webhook URLs', () => {
  it('connect one channel of each type', async () => {
    channels.telegram = await connect({ type: 'telegram', bot_token: TELEGRAM_TOKEN });
    channels.slack = await connect({
      type: 'slack',
      bot_token: 'xoxb-1111-2222-hookauth',
      signing_secret: 'hook-auth-signing-secret',
    });
    channels.whatsapp = await connect({
      type: 'whatsapp',
      access_token: 'EAAGhookAuthAccessToken',
      app_secret: 'hook-auth-app-secret',
      verify_token: 'hook-auth-verify',
      phone_number_id: WHATSAPP_PHONE_ID,
    });
    channels.custom = await connect({ type: 'custom', url: peer.url });
    channels.email = (
      await connectMailgun(t, ws.liveKey, bot, { port: smtp.port, password: 'smtp-password' })
    ).json().id;
  });

  describe.each(['telegram', 'slack', 'whatsapp', 'custom', 'email'])('of a %s channel', (type) => {
    it.each(UNREADABLE)(
      'refuse an unauthenticated request with %s with 403, and store nothing',
      async (_name, sent) => {
        const id = channels[type]!;
        for (const headers of [FORGED[type]!, {}]) {
          const response = await t.request({
            method: 'POST',
            url: pathOf(type, id),
            headers: {
              ...headers,
              ...(sent.body === undefined ? {} : { 'content-type': sent.contentType ?? 'application/json' }),
            },
            ...(sent.body === undefined ? {} : { body: sent.body }),
          });
          expect(response.statusCode, response.body).toBe(403);
          expect(response.json().error).toMatchObject({
            type: 'permission_error',
            code: 'invalid_webhook_signature',
            status: 403,
          });
        }
        expect(await channelEvents(t, ws.liveKey, id)).toEqual([]);
      },
    );

    it('refuse a request for a channel that does not exist with 403, whatever its body', async () => {
      for (const [, sent] of UNREADABLE) {
        const response = await t.request({
          method: 'POST',
          url: pathOf(type, 'ch_01jdz6qg0ef8s9cm8y0d7sv9k2'),
          headers: sent.body === undefined ? {} : { 'content-type': sent.contentType ?? 'application/json' },
          ...(sent.body === undefined ? {} : { body: sent.body }),
        });
        expect(response.statusCode, response.body).toBe(403);
        expect(response.json().error.code).toBe('invalid_webhook_signature');
      }
    });
  });

  it('tell an authenticated caller that its body is wrong (400)', async () => {
    const secret = telegram.webhookOf(TELEGRAM_TOKEN)!.secret_token;
    const telegramBad = await t.request({
      method: 'POST',
      url: pathOf('telegram', channels.telegram!),
      headers: { 'x-telegram-bot-api-secret-token': secret },
      body: { message: { text: 'no update id' } },
    });
    expect(telegramBad.statusCode).toBe(400);
    expect(telegramBad.json().error.type).toBe('invalid_request_error');
    const malformed = await t.request({
      method: 'POST',
      url: pathOf('telegram', channels.telegram!),
      headers: { 'x-telegram-bot-api-secret-token': secret, 'content-type': 'application/json' },
      body: '{"update_id": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(await channelEvents(t, ws.liveKey, channels.telegram!)).toEqual([]);

    const raw = JSON.stringify({ text: 'no thread id' });
    const at = new Date();
    const customBad = await t.request({
      method: 'POST',
      url: pathOf('custom', channels.custom!),
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_no_thread',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(customSecret).sign('msg_no_thread', at, raw),
      },
      body: raw,
    });
    expect(customBad.statusCode).toBe(400);
    expect(customBad.json().error.type).toBe('invalid_request_error');
    expect(await channelEvents(t, ws.liveKey, channels.custom!)).toEqual([]);
  });
});

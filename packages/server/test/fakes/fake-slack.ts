// A fake Slack served by the test, in Slack's real shapes. Web API: `POST /auth.test` and
// `POST /chat.postMessage` with `Authorization: Bearer xoxb-…`, answering HTTP 200 with
// `{ok: true, …}` or `{ok: false, error}` (`token_revoked` once a token is revoked), and 429 with
// Retry-After when told. Events API: the requests Slack sends to a Request URL, signed with the
// app's signing secret (`X-Slack-Signature: v0=HMAC(v0:{ts}:{body})`).
import { createHmac } from 'node:crypto';
import { type FakePlatformServer, startFakePlatformServer } from './fake-platform-server.ts';

export interface FakeSlack extends FakePlatformServer {
  revoke(token: string): void;
  /** Headers and body of an Events API request, as Slack signs it (at `at`, default now). */
  signed(signingSecret: string, body: unknown, at?: Date): { headers: Record<string, string>; body: string };
}

export const SLACK_TEAM = 'T0PARLEY';
export const SLACK_BOT_USER = 'U0BOT';

export async function startFakeSlack(): Promise<FakeSlack> {
  const revoked = new Set<string>();
  let ts = 1_700_000_000;
  const server = await startFakePlatformServer((call) => {
    if (!call.token) return { status: 200, body: { ok: false, error: 'not_authed' } };
    if (revoked.has(call.token)) return { status: 200, body: { ok: false, error: 'token_revoked' } };
    switch (call.path) {
      case '/auth.test':
        return {
          status: 200,
          body: {
            ok: true,
            url: 'https://parley-test.slack.com/',
            team: 'Parley Test',
            user: 'parley_bot',
            team_id: SLACK_TEAM,
            user_id: SLACK_BOT_USER,
            bot_id: 'B0BOT',
          },
        };
      case '/chat.postMessage': {
        if (!call.body?.channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        ts += 1;
        return {
          status: 200,
          body: {
            ok: true,
            channel: call.body.channel,
            ts: `${ts}.000100`,
            message: {
              type: 'message',
              text: call.body.text,
              thread_ts: call.body.thread_ts,
              bot_id: 'B0BOT',
            },
          },
        };
      }
      default:
        return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
  });
  return {
    ...server,
    revoke: (token) => revoked.add(token),
    signed(signingSecret, body, at = new Date()) {
      const raw = JSON.stringify(body);
      const timestamp = String(Math.floor(at.getTime() / 1000));
      const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${raw}`).digest('hex')}`;
      return {
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': signature,
        },
        body: raw,
      };
    },
  };
}

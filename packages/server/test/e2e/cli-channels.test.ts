// `parley channels add|list|test` against a fake Telegram: the token given on stdin, checked with
// Telegram, never printed; a revoked token is reported with a failing exit code.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeSlack } from '../fakes/fake-slack.ts';
import { startFakeTelegram } from '../fakes/fake-telegram.ts';
import {
  MAIN,
  makeDataDir,
  NODE,
  runCli,
  runCliJson,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();
const telegram = await startFakeTelegram();
const slack = await startFakeSlack();
afterAll(async () => {
  await telegram.close();
  await slack.close();
});

describe('parley channels', () => {
  it('connects a Telegram bot with a token from stdin, lists it and tests it', async () => {
    const dataDir = makeDataDir();
    await stopParley(await startParley(dataDir));
    const env = { PARLEY_TELEGRAM_API_URL: telegram.url };
    const bot = await runCliJson<{ id: string }>(dataDir, ['bots', 'create', '--name', 'Support', '--json'], {
      env,
    });

    const token = '8100:AAHcliTokenForParleyTests';
    // The token comes on stdin (`--token -`): it stays out of the process list.
    const added = await runCli(dataDir, ['channels', 'add', bot.id, '--token', '-', '--json'], {
      env,
      command: ['sh', '-c', `printf %s '${token}' | exec "$0" "$@"`, NODE, MAIN],
    });
    expect(added.code, added.describe()).toBe(0);
    expect(added.stdout).not.toContain(token);
    const channel = JSON.parse(added.stdout);
    expect(channel).toMatchObject({
      type: 'telegram',
      mode: 'polling',
      status: 'active',
      bot_token_set: true,
    });
    expect(telegram.callsOf('getMe', token)).toHaveLength(1);

    const listed = await runCliJson<{ data: { id: string }[] }>(
      dataDir,
      ['channels', 'list', bot.id, '--json'],
      { env },
    );
    expect(listed.data.map((c) => c.id)).toEqual([channel.id]);

    const ok = await runCli(dataDir, ['channels', 'test', channel.id], { env });
    expect(ok.code, ok.describe()).toBe(0);
    expect(ok.stdout).toBe('OK\n');

    telegram.revoke(token);
    const failed = await runCli(dataDir, ['channels', 'test', channel.id], { env });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('Failed: Telegram: Unauthorized\n');
    const after = await runCliJson<{ data: { status: string }[] }>(
      dataDir,
      ['channels', 'list', bot.id, '--json'],
      { env },
    );
    expect(after.data[0]!.status).toBe('disconnected');
  }, 300_000);

  it('connects a Slack app with its signing secret from stdin and prints the URL to give Slack', async () => {
    const dataDir = makeDataDir();
    await stopParley(await startParley(dataDir));
    const env = { PARLEY_SLACK_API_URL: slack.url, PARLEY_PUBLIC_URL: 'https://parley.example.com' };
    const bot = await runCliJson<{ id: string }>(dataDir, ['bots', 'create', '--name', 'Support', '--json'], {
      env,
    });
    const secret = 'cli-signing-secret-0123456789abcdef';
    const added = await runCli(
      dataDir,
      ['channels', 'add', bot.id, '--type', 'slack', '--token', 'xoxb-cli-token', '--signing-secret', '-'],
      { env, command: ['sh', '-c', `printf %s '${secret}' | exec "$0" "$@"`, NODE, MAIN] },
    );
    expect(added.code, added.describe()).toBe(0);
    expect(added.stdout).not.toContain(secret);
    expect(added.stdout).not.toContain('xoxb-cli-token');
    expect(added.stdout).toMatch(
      /^Connected slack channel ch_\w+ as parley_bot \(webhook\)\.\nGive the platform this URL: https:\/\/parley\.example\.com\/hooks\/channels\/ch_\w+\/slack\n$/,
    );
    expect(slack.callsTo('/auth.test', 'xoxb-cli-token')).toHaveLength(1);

    const missing = await runCli(
      dataDir,
      ['channels', 'add', bot.id, '--type', 'slack', '--token', 'xoxb-cli-token'],
      {
        env,
      },
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('signing_secret');
  }, 300_000);
});

// `parley channels …`: put a chatbot on a messaging platform, list its channels, test one.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Config } from '../config.ts';
import { withAdminOps } from './connect.ts';
import { printJson, printTable } from './output.ts';

/** `-` reads the token from stdin, so that it stays out of the shell history and process list. */
function readToken(value: string): string {
  return (value === '-' ? readFileSync(0, 'utf8') : value).trim();
}

interface AddOptions {
  type: string;
  token?: string;
  signingSecret?: string;
  appSecret?: string;
  verifyToken?: string;
  phoneNumberId?: string;
  template?: string;
  url?: string;
  secret?: string;
  address?: string;
  provider?: string;
  smtpHost?: string;
  smtpPort?: string;
  smtpSecure?: boolean;
  smtpUsername?: string;
  smtpPassword?: string;
  mailgunSigningKey?: string;
  name?: string;
  json?: boolean;
}

/** The API's fields for the type, from the options given (the API names what is missing). */
function addFields(options: AddOptions): Record<string, unknown> {
  const secret = (value: string | undefined) => (value === undefined ? undefined : readToken(value));
  const [templateName, language] = options.template?.split(':') ?? [];
  const fields: Record<string, unknown> =
    options.type === 'whatsapp'
      ? {
          access_token: secret(options.token),
          app_secret: secret(options.appSecret),
          verify_token: secret(options.verifyToken),
          phone_number_id: options.phoneNumberId,
          template: options.template ? { name: templateName, language: language ?? 'en_US' } : undefined,
        }
      : options.type === 'custom'
        ? { url: options.url, secret: secret(options.secret) }
        : options.type === 'email'
          ? {
              address: options.address,
              provider: options.provider,
              smtp_host: options.smtpHost,
              smtp_port: options.smtpPort === undefined ? undefined : Number(options.smtpPort),
              smtp_secure: options.smtpSecure,
              smtp_username: options.smtpUsername,
              smtp_password: secret(options.smtpPassword),
              mailgun_signing_key: secret(options.mailgunSigningKey),
            }
          : { bot_token: secret(options.token), signing_secret: secret(options.signingSecret) };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

export function channelCommands(loadConfig: () => Config): Command {
  const channels = new Command('channels').description(
    'Connect a chatbot to messaging platforms (Telegram, Slack, WhatsApp, custom signed HTTP)',
  );

  channels
    .command('add')
    .description('Connect a chatbot to a platform; the credentials are checked with the platform first')
    .argument('<chatbot>', 'chatbot id (bot_…)')
    .addOption(
      new Option('--type <type>', 'platform')
        .choices(['telegram', 'slack', 'whatsapp', 'custom', 'email'])
        .default('telegram'),
    )
    .option('--token <token>', 'Telegram/Slack bot token or WhatsApp access token; - reads it from stdin')
    .option('--signing-secret <secret>', 'Slack: the signing secret; - reads it from stdin')
    .option('--app-secret <secret>', 'WhatsApp: the app secret; - reads it from stdin')
    .option('--verify-token <token>', "WhatsApp: the verify token you also type into Meta's webhook settings")
    .option('--phone-number-id <id>', "WhatsApp: the business phone number's id")
    .option('--template <name:language>', 'WhatsApp: approved template for outside the 24-hour window')
    .option('--url <url>', 'custom: where replies are POSTed')
    .option('--secret <whsec>', 'custom: the Standard Webhooks secret (made by Parley when not given)')
    .option('--address <email>', 'email: the support address')
    .addOption(
      new Option('--provider <provider>', 'email: who posts inbound mail').choices(['mailgun', 'postmark']),
    )
    .option('--smtp-host <host>', 'email: the SMTP server replies go through')
    .option('--smtp-port <port>', 'email: its port (587, 465…)')
    .option('--smtp-secure', 'email: TLS from the start (port 465)')
    .option('--smtp-username <user>', 'email: the SMTP user')
    .option('--smtp-password <password>', 'email: the SMTP password; - reads it from stdin')
    .option('--mailgun-signing-key <key>', 'email: Mailgun webhook signing key; - reads it from stdin')
    .option('--name <name>', 'a name to recognise the channel')
    .option('--json', 'print one JSON object')
    .action(async (chatbot: string, options: AddOptions) => {
      const channel = await withAdminOps(loadConfig(), (ops) =>
        ops.addChannel({ chatbot, type: options.type, fields: addFields(options), name: options.name }),
      );
      if (options.json) return printJson(channel);
      const account = channel.account.username ? ` as ${channel.account.username}` : '';
      process.stdout.write(`Connected ${channel.type} channel ${channel.id}${account} (${channel.mode}).\n`);
      if (channel.webhook_url) process.stdout.write(`Give the platform this URL: ${channel.webhook_url}\n`);
      if (channel.secret) process.stdout.write(`Secret (shown once): ${channel.secret}\n`);
    });

  channels
    .command('list')
    .description("List a chatbot's channels")
    .argument('<chatbot>', 'chatbot id (bot_…)')
    .option('--json', 'print one JSON object')
    .action(async (chatbot: string, options: { json?: boolean }) => {
      const list = await withAdminOps(loadConfig(), (ops) => ops.listChannels({ chatbot }));
      if (options.json) return printJson({ data: list });
      printTable(
        list.map((channel) => ({ ...channel, username: channel.account.username ?? '' })),
        ['id', 'type', 'username', 'mode', 'status', 'last_error', 'created_at'],
      );
    });

  channels
    .command('test')
    .description('Make one real call to the platform with the stored credentials')
    .argument('<channel>', 'channel id (ch_…)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, options: { json?: boolean }) => {
      const result = await withAdminOps(loadConfig(), (ops) => ops.testChannel({ id }));
      if (options.json) printJson(result);
      else process.stdout.write(result.ok ? 'OK\n' : `Failed: ${result.error}\n`);
      if (!result.ok) process.exitCode = 1;
    });

  return channels;
}

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

export function channelCommands(loadConfig: () => Config): Command {
  const channels = new Command('channels').description('Connect a chatbot to messaging platforms (Telegram)');

  channels
    .command('add')
    .description('Connect a chatbot to a platform; the token is checked with the platform first')
    .argument('<chatbot>', 'chatbot id (bot_…)')
    .addOption(new Option('--type <type>', 'platform').choices(['telegram']).default('telegram'))
    .requiredOption('--token <token>', "the bot's token from BotFather, or - to read it from stdin")
    .option('--name <name>', 'a name to recognise the channel')
    .option('--json', 'print one JSON object')
    .action(
      async (chatbot: string, options: { type: string; token: string; name?: string; json?: boolean }) => {
        const channel = await withAdminOps(loadConfig(), (ops) =>
          ops.addChannel({
            chatbot,
            type: options.type,
            token: readToken(options.token),
            name: options.name,
          }),
        );
        if (options.json) return printJson(channel);
        const account = channel.account.username ? ` as @${channel.account.username}` : '';
        process.stdout.write(
          `Connected ${channel.type} channel ${channel.id}${account} (${channel.mode}).\n`,
        );
      },
    );

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

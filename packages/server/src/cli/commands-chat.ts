// `parley chat BOT [MESSAGE]`: ask a chatbot from the terminal. Without a message it reads
// questions line by line and keeps one conversation going.
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import type { AdminOps } from '../admin/admin-ops.ts';
import type { Config } from '../config.ts';
import { withAdminOps } from './connect.ts';
import { outputClosed, printJson } from './output.ts';

type Reply = Awaited<ReturnType<AdminOps['chat']>>;

function printReply(reply: Reply): void {
  if (reply.reply === null) {
    process.stdout.write('(a human agent has taken over this conversation; the bot stays quiet)\n');
    return;
  }
  process.stdout.write(`${reply.reply}\n`);
  if ('sources_used' in reply) {
    for (const source of reply.sources_used) {
      const page = source.page ? `, page ${source.page}` : '';
      process.stdout.write(
        `  [${source.citation}] ${source.title}${page}${source.url ? ` — ${source.url}` : ''}\n`,
      );
    }
  }
}

export function chatCommands(loadConfig: () => Config): Command {
  return new Command('chat')
    .description('Ask a chatbot a question (or several, one per line, when no message is given)')
    .argument('<bot>', 'chatbot id (bot_…)')
    .argument('[message]', 'the question; omit to chat line by line')
    .option('--conversation <id>', 'continue this conversation (conv_…)')
    .option('--workspace <id>', 'workspace id (default: the default workspace)')
    .addOption(new Option('--env <environment>', 'environment').choices(['live', 'test']).default('live'))
    .option('--json', 'print the whole reply as one JSON object')
    .action(
      async (
        bot: string,
        message: string | undefined,
        options: { conversation?: string; workspace?: string; env: 'live' | 'test'; json?: boolean },
      ) => {
        await withAdminOps(loadConfig(), async (ops) => {
          const ask = (text: string, conversation?: string) =>
            ops.chat({
              bot,
              message: text,
              conversation_id: conversation,
              workspace: options.workspace,
              environment: options.env,
            });
          if (message !== undefined) {
            const reply = await ask(message, options.conversation);
            if (options.json) printJson(reply);
            else printReply(reply);
            return;
          }
          let conversation = options.conversation;
          // A prompt only for a person at a terminal; piped input is read to its end, each line
          // answered in order. The loop takes the lines one after the other: a line that arrives
          // (or the end of input) while a reply is on its way waits for the next turn.
          const interactive = process.stdin.isTTY === true;
          const lines = createInterface({
            input: process.stdin,
            crlfDelay: Number.POSITIVE_INFINITY,
            ...(interactive ? { output: process.stderr, terminal: true } : {}),
          });
          let open = true;
          lines.on('close', () => {
            open = false;
          });
          const prompt = () => {
            if (interactive && open) lines.prompt();
          };
          if (interactive) lines.setPrompt('you> ');
          prompt();
          for await (const line of lines) {
            // Nobody reads the answers any more (`| head -1`): stop asking.
            if (outputClosed()) break;
            if (line.trim() !== '') {
              const reply = await ask(line, conversation);
              conversation = reply.conversation_id;
              if (options.json) process.stdout.write(`${JSON.stringify(reply)}\n`);
              else printReply(reply);
            }
            prompt();
          }
        });
      },
    );
}

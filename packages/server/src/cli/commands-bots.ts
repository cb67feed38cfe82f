// `parley bots …`
import { Command, Option } from 'commander';
import type { Config } from '../config.ts';
import { withAdminOps } from './connect.ts';
import { printJson, printTable } from './output.ts';

export function botCommands(loadConfig: () => Config): Command {
  const bots = new Command('bots').description('Create and list chatbots');
  const envOption = () =>
    new Option('--env <environment>', 'environment').choices(['live', 'test']).default('live');

  bots
    .command('create')
    .description('Create a chatbot (answers offline with the extractive answerer unless --provider is given)')
    .requiredOption('--name <name>', 'chatbot name')
    .option('--system-prompt <prompt>', 'persona and instructions')
    .addOption(
      new Option(
        '--provider <provider>',
        "AI provider; its credential comes from the server's environment",
      ).choices(['openai', 'chatgpt', 'gemini', 'anthropic', 'ollama']),
    )
    .option('--model <model>', 'model name (a sensible default per provider)')
    .option('--workspace <id>', 'workspace id (default: the default workspace)')
    .addOption(envOption())
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        name: string;
        systemPrompt?: string;
        provider?: string;
        model?: string;
        workspace?: string;
        env: 'live' | 'test';
        json?: boolean;
      }) => {
        const bot = await withAdminOps(loadConfig(), (ops) =>
          ops.createBot({
            name: options.name,
            system_prompt: options.systemPrompt,
            provider: options.provider,
            model: options.model,
            workspace: options.workspace,
            environment: options.env,
          }),
        );
        if (options.json) return printJson(bot);
        process.stdout.write(
          `Created chatbot ${bot.id} "${bot.name}" (slug ${bot.slug}, provider ${bot.provider}).\n`,
        );
      },
    );

  bots
    .command('list')
    .description('List chatbots')
    .option('--workspace <id>', 'workspace id (default: the default workspace)')
    .addOption(envOption())
    .option('--json', 'print one JSON object')
    .action(async (options: { workspace?: string; env: 'live' | 'test'; json?: boolean }) => {
      const list = await withAdminOps(loadConfig(), (ops) =>
        ops.listBots({ workspace: options.workspace, environment: options.env }),
      );
      if (options.json) return printJson({ data: list });
      printTable(list, ['id', 'name', 'slug', 'provider', 'is_active', 'created_at']);
    });
  return bots;
}

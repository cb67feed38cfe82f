// CLI commands for workspaces and API keys.
import { Command, Option } from 'commander';
import type { Config } from '../config.ts';
import { KEY_FORMATS, type KeyFormat } from '../modules/workspaces/api-key-secrets.ts';
import { withAdminOps } from './connect.ts';
import { printJson, printTable } from './output.ts';

export function workspaceCommands(loadConfig: () => Config): Command {
  const workspaces = new Command('workspaces').description('Create and list workspaces');
  workspaces
    .command('create')
    .description('Create a workspace on a plan')
    .requiredOption('--name <name>', 'workspace name')
    .option('--plan <plan>', 'plan (free, pro, enterprise, or one from PARLEY_PLANS)', 'free')
    .option('--json', 'print one JSON object')
    .action(async (options: { name: string; plan: string; json?: boolean }) => {
      const workspace = await withAdminOps(loadConfig(), (ops) =>
        ops.createWorkspace({ name: options.name, plan: options.plan }),
      );
      if (options.json) return printJson(workspace);
      process.stdout.write(
        `Created workspace ${workspace.id} "${workspace.name}" on the ${workspace.plan} plan.\n`,
      );
      process.stdout.write(
        `Create its first key with: parley keys create --name NAME --workspace ${workspace.id}\n`,
      );
    });
  workspaces
    .command('list')
    .description('List workspaces')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      const list = await withAdminOps(loadConfig(), (ops) => ops.listWorkspaces());
      if (options.json) return printJson({ data: list });
      printTable(list, ['id', 'name', 'plan', 'is_default', 'created_at']);
    });
  return workspaces;
}

export function keyCommands(loadConfig: () => Config): Command {
  const keys = new Command('keys').description('Create, list and revoke API keys');
  keys
    .command('create')
    .description('Create an API key; the key is printed once')
    .requiredOption('--name <name>', 'a name to recognise the key')
    .addOption(new Option('--env <environment>', 'environment').choices(['live', 'test']).default('live'))
    .option('--workspace <id>', 'workspace id (default: the default workspace)')
    .addOption(
      new Option(
        '--format <format>',
        "the key's prefix: Parley's, or a seed product's for its compatibility API",
      )
        .choices([...KEY_FORMATS])
        .default('parley'),
    )
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        name: string;
        env: 'live' | 'test';
        workspace?: string;
        format: KeyFormat;
        json?: boolean;
      }) => {
        const key = await withAdminOps(loadConfig(), (ops) =>
          ops.createKey({
            name: options.name,
            environment: options.env,
            workspace: options.workspace,
            format: options.format,
          }),
        );
        if (options.json) return printJson(key);
        process.stdout.write(
          `Created ${key.environment} key ${key.id} "${key.name}" in workspace ${key.workspace_id}.\n`,
        );
        process.stdout.write(`\n  ${key.key}\n\nThis is the only time the key is shown: store it now.\n`);
      },
    );
  keys
    .command('list')
    .description("List a workspace's API keys (both environments)")
    .option('--workspace <id>', 'workspace id (default: the default workspace)')
    .option('--json', 'print one JSON object')
    .action(async (options: { workspace?: string; json?: boolean }) => {
      const result = await withAdminOps(loadConfig(), (ops) =>
        ops.listKeys({ workspace: options.workspace }),
      );
      if (options.json) return printJson(result);
      printTable(result.keys, [
        'id',
        'name',
        'environment',
        'prefix',
        'status',
        'created_at',
        'last_used_at',
      ]);
    });
  keys
    .command('revoke')
    .description('Revoke an API key at once')
    .argument('<id>', 'key id (key_…)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, options: { json?: boolean }) => {
      const key = await withAdminOps(loadConfig(), (ops) => ops.revokeKey({ id }));
      if (options.json) return printJson(key);
      process.stdout.write(`Revoked key ${key.id} "${key.name}".\n`);
    });
  return keys;
}

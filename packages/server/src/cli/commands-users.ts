// `parley users …`: add people to a workspace (the first owner above all) and list them.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Config } from '../config.ts';
import { withAdminOps } from './connect.ts';
import { printJson, printTable } from './output.ts';

export function userCommands(loadConfig: () => Config): Command {
  const users = new Command('users').description('Add and list the people who sign in to a workspace');

  users
    .command('create')
    .description(
      'Add a person. With --password they can sign in at once; without, a one-time invitation link is printed.',
    )
    .requiredOption('--email <email>', 'their email address (their sign-in name)')
    .addOption(
      new Option('--role <role>', 'what they may do')
        .choices(['owner', 'admin', 'agent'])
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'their name')
    .option('--password <password>', 'their password (at least 10 characters), or - to read it from stdin')
    .option('--workspace <id>', 'workspace id (ws_…); the default workspace when left out')
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        email: string;
        role: string;
        name?: string;
        password?: string;
        workspace?: string;
        json?: boolean;
      }) => {
        const password =
          options.password === '-' ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : options.password;
        const user = await withAdminOps(loadConfig(), (ops) =>
          ops.createUser({
            email: options.email,
            role: options.role,
            ...(options.name ? { name: options.name } : {}),
            ...(password !== undefined ? { password } : {}),
            ...(options.workspace ? { workspace: options.workspace } : {}),
          }),
        );
        if (options.json) return printJson(user);
        process.stdout.write(
          `Added ${user.role} ${user.email} (${user.id}) to workspace ${user.workspace_id}.\n`,
        );
        if (user.invitation) {
          process.stdout.write(
            `They set their password with this one-time link (valid until ${user.invitation.expires_at}):\n  ${user.invitation.url}\n`,
          );
        } else {
          process.stdout.write('They can sign in now with POST /v1/sessions.\n');
        }
      },
    );

  users
    .command('list')
    .description("List a workspace's people")
    .option('--workspace <id>', 'workspace id (ws_…); the default workspace when left out')
    .option('--json', 'print one JSON object')
    .action(async (options: { workspace?: string; json?: boolean }) => {
      const result = await withAdminOps(loadConfig(), (ops) =>
        ops.listUsers(options.workspace ? { workspace: options.workspace } : {}),
      );
      if (options.json) return printJson({ data: result.users });
      printTable(result.users, ['id', 'email', 'name', 'role', 'status', 'availability', 'created_at']);
    });

  return users;
}

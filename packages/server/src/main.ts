// The `parley` command: serve, worker, workspaces, keys, bots, sources, chat, channels.
import { enableCompileCache } from 'node:module';
import { Command, InvalidArgumentError } from 'commander';
import { AdminRequestError } from './admin/admin-client.ts';
import { keyCommands, workspaceCommands } from './cli/commands.ts';
import { botCommands } from './cli/commands-bots.ts';
import { channelCommands } from './cli/commands-channels.ts';
import { chatCommands } from './cli/commands-chat.ts';
import { exportCommand } from './cli/commands-export.ts';
import { loopCommands } from './cli/commands-loops.ts';
import { sourceCommands } from './cli/commands-sources.ts';
import { userCommands } from './cli/commands-users.ts';
import { tolerateClosedOutput } from './cli/output.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { DatabaseOpenError } from './db/data-dir.ts';
import { AppError } from './lib/errors.ts';
import { createLogger } from './lib/logger.ts';
import { DataDirLockedError } from './runtime/data-dir-lock.ts';
import { PARLEY_VERSION } from './version.ts';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('must be 0 to 65535.');
  return port;
}

// Node keeps the compiled code of the server's ~1,000 modules on disk (in the system's temporary
// directory), so every later `parley` command starts faster; the commands load them lazily, below.
enableCompileCache();
tolerateClosedOutput();

const program = new Command('parley')
  .description('Parley: self-hosted AI customer-support chatbots')
  .version(PARLEY_VERSION)
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the API (and the job workers) in this process')
  .option('--port <port>', 'port to listen on (default PORT or 8787)', parsePort)
  .option('--host <host>', 'address to listen on (default HOST or 127.0.0.1)')
  .option('--no-workers', 'do not run job workers here (run `parley worker` processes instead)')
  .action(async (options: { port?: number; host?: string; workers: boolean }) => {
    const config: Config = { ...loadConfig(), ...(options.port === undefined ? {} : { port: options.port }) };
    if (options.host) config.host = options.host;
    const logger = createLogger(config.logLevel);
    // The server's code is loaded by the commands that run it, so the others start quickly.
    const { startServer, stopOnSignals } = await import('./runtime/serve.ts');
    // Handlers go in before start-up, so a signal during start-up still shuts down cleanly.
    const stopper = stopOnSignals(logger, config.shutdownTimeoutSeconds);
    stopper.serving(await startServer(config, logger, { workers: options.workers }));
  });

program
  .command('worker')
  .description('Run job workers only (scale-out, with DATABASE_URL)')
  .action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel);
    const { startWorker } = await import('./runtime/worker.ts');
    await startWorker(config, logger);
  });

program.addCommand(workspaceCommands(() => loadConfig()));
program.addCommand(keyCommands(() => loadConfig()));
program.addCommand(botCommands(() => loadConfig()));
program.addCommand(sourceCommands(() => loadConfig()));
program.addCommand(chatCommands(() => loadConfig()));
program.addCommand(channelCommands(() => loadConfig()));
program.addCommand(loopCommands(() => loadConfig()));
program.addCommand(userCommands(() => loadConfig()));
program.addCommand(exportCommand(() => loadConfig()));

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return `${(error as Error).message.replace(/^listen /, '')}: another program uses that port. Choose another with PORT or --port.`;
  }
  if (error instanceof AdminRequestError) return error.body.message;
  if (
    error instanceof AppError ||
    error instanceof ConfigError ||
    error instanceof DataDirLockedError ||
    error instanceof DatabaseOpenError
  ) {
    return error.message;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`Error: ${describe(error)}\n`);
  process.exit(1);
});

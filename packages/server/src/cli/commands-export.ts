// `parley export …`: conversations, leads or a chatbot's knowledge to a file (or stdout), the
// same NDJSON or CSV as the API's downloads, with a progress bar on a terminal.

import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { EXPORT_KINDS, type ExportKind } from '../admin/export-request.ts';
import type { Config } from '../config.ts';
import { withExporter } from './connect.ts';
import { outputClosed } from './output.ts';

interface ExportOptions {
  bot?: string;
  format: 'ndjson' | 'csv';
  output?: string;
  workspace?: string;
  env: 'live' | 'test';
  quiet?: boolean;
}

const NOUNS: Record<ExportKind, [one: string, many: string]> = {
  conversations: ['conversation', 'conversations'],
  leads: ['lead', 'leads'],
  knowledge: ['document', 'documents'],
};

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

export function exportCommand(loadConfig: () => Config): Command {
  return new Command('export')
    .description(
      "Export conversations (with their messages), leads, or a chatbot's knowledge as NDJSON or CSV; a progress bar shows how far it got",
    )
    .addArgument(new Command().createArgument('<what>', 'what to export').choices([...EXPORT_KINDS]))
    .option('--bot <id>', "one chatbot's records (required for knowledge)")
    .addOption(
      new Option('--format <format>', 'ndjson (a record per line) or csv (knowledge: ndjson only)')
        .choices(['ndjson', 'csv'])
        .default('ndjson'),
    )
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .option('--workspace <id>', 'workspace id (default: the default workspace)')
    .addOption(new Option('--env <environment>', 'environment').choices(['live', 'test']).default('live'))
    .option('--quiet', 'no progress bar and no summary')
    .action(async (what: ExportKind, options: ExportOptions) => {
      // Written beside the file and renamed at the end: an interrupted export leaves no file
      // that looks complete.
      const partial = options.output ? `${options.output}.partial` : null;
      let file: WriteStream | null = null;
      let done = 0;
      let total = 0;
      let bar: cliProgress.SingleBar | null = null;
      try {
        await withExporter(loadConfig(), async (exporter) => {
          const result = await exporter({
            kind: what,
            chatbot: options.bot,
            format: options.format,
            workspace: options.workspace,
            environment: options.env,
          });
          total = result.total;
          file = partial ? createWriteStream(partial) : null;
          const out = file ?? process.stdout;
          // A bar only where a person watches it, and never mixed into the export on the screen.
          if (!options.quiet && process.stderr.isTTY && (file || !process.stdout.isTTY)) {
            bar = new cliProgress.SingleBar(
              {
                format: ` {bar} {value}/{total} ${NOUNS[what][1]}`,
                stream: process.stderr,
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            );
            bar.start(Math.max(total, 1), 0);
          }
          for await (const part of result.parts) {
            if (!file && outputClosed()) break;
            await write(out, part.text);
            done += part.records;
            (bar as cliProgress.SingleBar | null)?.update(done, { total: Math.max(total, done) });
          }
          if (file) {
            const closing = file;
            await new Promise<void>((resolve, reject) =>
              closing.end((error?: Error | null) => (error ? reject(error) : resolve())),
            );
            renameSync(partial!, options.output!);
          }
        });
      } catch (error) {
        (file as WriteStream | null)?.destroy();
        if (partial) rmSync(partial, { force: true });
        throw error;
      } finally {
        (bar as cliProgress.SingleBar | null)?.stop();
      }
      if (!options.quiet) {
        const where = options.output ? ` to ${options.output}` : '';
        process.stderr.write(`Exported ${done} ${NOUNS[what][done === 1 ? 0 : 1]}${where}.\n`);
      }
    });
}

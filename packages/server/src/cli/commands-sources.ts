// `parley sources …`: add knowledge and watch it being processed.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import type { AdminOps } from '../admin/admin-ops.ts';
import type { Config } from '../config.ts';
import { withAdminOps } from './connect.ts';
import { printJson, printTable } from './output.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
};

type Source = Awaited<ReturnType<AdminOps['getSource']>>;

/** Polls the source until it is ready or failed, drawing a progress bar on a terminal. */
async function follow(ops: AdminOps, id: string, quiet: boolean): Promise<Source> {
  const bar =
    !quiet && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format: ' {bar} {value}/{total} pages | {chunks} chunks | {status}',
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let lastLine = '';
  bar?.start(1, 0, { chunks: 0, status: 'queued' });
  try {
    for (;;) {
      const source = await ops.getSource({ id });
      const total = Math.max(1, source.pages_discovered);
      if (bar) {
        bar.setTotal(total);
        bar.update(source.pages_processed, { chunks: source.chunks, status: source.status });
      } else if (!quiet) {
        const line = `${source.status}: ${source.pages_processed}/${source.pages_discovered} pages, ${source.chunks} chunks`;
        if (line !== lastLine) process.stderr.write(`${line}\n`);
        lastLine = line;
      }
      if (source.status === 'ready' || source.status === 'failed') return source;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    bar?.stop();
  }
}

export function sourceCommands(loadConfig: () => Config): Command {
  const sources = new Command('sources').description("Add and list a chatbot's knowledge sources");

  sources
    .command('add')
    .description('Add a source and wait until it is processed (a progress bar shows how far it got)')
    .argument('<chatbot>', 'chatbot id (bot_…)')
    .option('--url <url>', 'a web page')
    .option('--crawl', 'crawl the whole site from --url')
    .option('--file <path>', 'a PDF, DOCX, Markdown, HTML, text or CSV file')
    .option('--text <text>', 'plain text')
    .option('--title <title>', 'a title for --text or --file')
    .option('--no-wait', 'return once the source is queued')
    .option('--json', 'print one JSON object')
    .action(
      async (
        chatbot: string,
        options: {
          url?: string;
          crawl?: boolean;
          file?: string;
          text?: string;
          title?: string;
          wait: boolean;
          json?: boolean;
        },
      ) => {
        let file: { filename: string; contentType: string; base64: string } | undefined;
        if (options.file) {
          const size = statSync(options.file).size;
          if (size > loadConfig().maxUploadBytes)
            throw new Error(`${options.file} is larger than the upload limit.`);
          const extension = path.extname(options.file).toLowerCase();
          file = {
            filename: path.basename(options.file),
            contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
            base64: readFileSync(options.file).toString('base64'),
          };
        }
        const result = await withAdminOps(
          loadConfig(),
          async (ops) => {
            const created = await ops.addSource({
              chatbot,
              url: options.url,
              crawl: options.crawl,
              text: options.text,
              title: options.title,
              file,
            });
            return options.wait ? follow(ops, created.id, Boolean(options.json)) : created;
          },
          { workers: true },
        );
        if (options.json) return printJson(result);
        process.stdout.write(
          `Source ${result.id} (${result.type}) is ${result.status}: ${result.pages_processed} of ${result.pages_discovered} documents, ${result.chunks} chunks.\n`,
        );
        if (result.error) process.stdout.write(`${result.error}\n`);
        if (result.status === 'failed') process.exitCode = 1;
      },
    );

  sources
    .command('list')
    .description("List a chatbot's sources")
    .argument('<chatbot>', 'chatbot id (bot_…)')
    .option('--json', 'print one JSON object')
    .action(async (chatbot: string, options: { json?: boolean }) => {
      const list = await withAdminOps(loadConfig(), (ops) => ops.listSources({ chatbot }));
      if (options.json) return printJson({ data: list });
      printTable(list, ['id', 'type', 'title', 'status', 'pages_processed', 'chunks', 'updated_at']);
    });
  return sources;
}

// How long a `parley` command takes, start to exit, as a user runs it: `--version`, and
// `keys list --json` through a running server (its local socket) and with no server running
// (the CLI opens the embedded database itself). bench/README.md has the figures.
//
//   node bench/cli.ts             # 5 runs of each, median and range
//   node bench/cli.ts --runs 10
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median, waitForQuietMachine } from './lib/machine.ts';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(flags.runs);
const MAIN = path.resolve(import.meta.dirname, '../packages/server/src/main.ts');
const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-cli-'));
const env = { ...process.env, PARLEY_DATA_DIR: dataDir, DATABASE_URL: '', PARLEY_DEMO: 'false', PORT: '0' };

function timeCommand(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [MAIN, ...args], { env, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`parley ${args.join(' ')} failed: ${result.stderr}`);
  return elapsed;
}

function measure(name: string, args: string[]): string {
  timeCommand(args); // warm the file system cache
  const times = Array.from({ length: RUNS }, () => timeCommand(args));
  const range = `${Math.round(Math.min(...times))}–${Math.round(Math.max(...times))}`;
  return `| ${name} | ${Math.round(median(times))} | ${range} |`;
}

async function startServer(): Promise<ChildProcess> {
  const server = spawn(process.execPath, [MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Parley is running at')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${output}`)));
  });
  return server;
}

try {
  const rows: string[] = [];
  await waitForQuietMachine();
  rows.push(measure('`parley --version`', ['--version']));
  // The first start creates the data directory; the offline case then reopens it each time.
  const server = await startServer();
  try {
    await waitForQuietMachine();
    rows.push(measure('`parley keys list --json`, server running', ['keys', 'list', '--json']));
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  await waitForQuietMachine();
  rows.push(measure('`parley keys list --json`, no server', ['keys', 'list', '--json']));
  console.log(`\n| command | median ms | range ms (${RUNS} runs) |\n|---|---:|---:|\n${rows.join('\n')}`);
  console.log(
    `\n${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, ${new Date().toISOString()}`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

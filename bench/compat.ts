// Compatibility adapters' cost: req/s of a /compat list endpoint ÷ req/s of the native /v1 route
// it stands for, on one `parley serve` with the same key and rows. Goal: ≥ 0.9 for every pair.
// bench/README.md has the figures.
//
//   node bench/compat.ts                       # embedded PGlite, in a temporary data directory
//   node bench/compat.ts --rounds 15 --duration 2 --connections 50 --quiet-wait 10
//
// The cases alternate in short rounds and each ratio is the median of the rounds' own ratios: a
// shared machine's speed drifts more than the goal's margin within minutes, and short rounds
// side by side see the same machine.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median, sleep, waitForQuietMachine } from './lib/machine.ts';

type AutocannonResult = { duration: number; requests: { total: number }; non2xx: number; errors: number };
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => PromiseLike<AutocannonResult>;

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    duration: { type: 'string', default: '2' },
    'quiet-wait': { type: 'string', default: '10' }, // seconds to wait, at most, for a quiet machine
    connections: { type: 'string', default: '50' },
    bots: { type: 'string', default: '20' },
  },
});
const ROUNDS = Number(flags.rounds);
const DURATION_S = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const BOTS = Number(flags.bots);
const QUIET_WAIT_S = Number(flags['quiet-wait']);

/**
 * Pairs of a compat list and its native route, reading the same rows through the same service
 * (one page of 20 chatbots and their providers). InsiteChat and SiteGist are not here: their
 * seeds cap a key at 60 and 120 requests a minute, which the adapters enforce whatever the plan.
 */
const PAIRS = [
  { name: 'Chatsby GET /v1/agents', compat: '/compat/chatsby/v1/agents?page_size=20' },
  { name: 'chatbot platform GET /bots', compat: '/compat/chatbotplatform/bots?per_page=20' },
] as const;
const NATIVE = '/v1/chatbots?page_size=20';

let tempDir = '';
let server: ChildProcess | null = null;

async function main(): Promise<void> {
  tempDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-compat-'));
  process.on('exit', () => {
    server?.kill('SIGKILL');
    rmSync(tempDir, { recursive: true, force: true });
  });
  const { url, key } = await startParley();
  for (let i = 0; i < BOTS; i++) {
    const created = await fetch(`${url}/v1/chatbots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Bench bot ${i}` }),
    });
    if (created.status !== 201) throw new Error(`creating a chatbot answered ${created.status}`);
  }
  console.log(
    `PGlite, ${BOTS} chatbots, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s per case`,
  );

  const paths = [NATIVE, ...PAIRS.map((pair) => pair.compat)];
  for (const each of paths) await measure(url, each, key, 3); // JIT and the key cache are warm
  const rates = new Map<string, number[]>(paths.map((each) => [each, []]));
  for (let round = 1; round <= ROUNDS; round += 1) {
    const line: string[] = [];
    for (const each of paths) {
      await waitForQuietMachine(QUIET_WAIT_S * 1000);
      const perSecond = await measure(url, each, key, DURATION_S);
      rates.get(each)!.push(perSecond);
      line.push(`${Math.round(perSecond)}/s`);
    }
    console.log(`  round ${round}: ${line.join(', ')}`);
  }

  console.log(`\n| endpoint | req/s (median) | ÷ native | goal |`);
  console.log('|---|---|---|---|');
  const native = rates.get(NATIVE)!;
  console.log(`| native GET ${NATIVE} | ${Math.round(median(native))} | 1.00 | |`);
  let failed = false;
  for (const pair of PAIRS) {
    const compat = rates.get(pair.compat)!;
    const ratio = median(compat.map((rate, round) => rate / native[round]!));
    failed ||= ratio < 0.9;
    console.log(
      `| ${pair.name} (\`${pair.compat}\`) | ${Math.round(median(compat))} | ${ratio.toFixed(2)} | ${ratio >= 0.9 ? '≥ 0.9 ✓' : '≥ 0.9 ✗'} |`,
    );
  }
  await stopServer();
  if (failed) process.exitCode = 1;
}

async function measure(url: string, route: string, key: string, seconds: number): Promise<number> {
  const result = await autocannon({
    url: `${url}${route}`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${key}` },
  });
  // A 401 or 429 is cheaper than a real answer and would flatter the figures.
  if (result.non2xx || result.errors) {
    throw new Error(`${route}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return result.requests.total / result.duration;
}

/** `parley serve` on a fresh data directory, its output to a file; its URL and live key. */
async function startParley(): Promise<{ url: string; key: string }> {
  const logFile = path.join(tempDir, 'parley.log');
  const fd = openSync(logFile, 'w');
  const entry = path.resolve(import.meta.dirname, '../packages/server/src/main.ts');
  server = spawn(process.execPath, [entry, 'serve'], {
    env: {
      ...process.env,
      PARLEY_DATA_DIR: path.join(tempDir, 'data'),
      DATABASE_URL: '',
      REDIS_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      PARLEY_DEMO: 'false',
      // Every request is counted, none is refused.
      PARLEY_PLANS: '{"enterprise":{"requests_per_minute":1000000000}}',
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  // A first start creates the database and runs every migration: slow on a busy machine.
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
    await sleep(100);
    const output = readFileSync(logFile, 'utf8');
    const url = /Parley is running at (\S+)/.exec(output)?.[1];
    const key = /live key: (prl_live_\w+)/.exec(output)?.[1];
    if (url && key) return { url, key };
    if (server.exitCode !== null) throw new Error(`parley exited with ${server.exitCode}:\n${output}`);
  }
  throw new Error(`parley did not start within 180 s:\n${readFileSync(logFile, 'utf8')}`);
}

async function stopServer(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

main().catch((error: unknown) => {
  console.error(error);
  server?.kill('SIGKILL');
  process.exitCode = 1;
});

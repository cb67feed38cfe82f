// API throughput: how much of a bare Fastify route, and of the raw database query, survives the
// layers of the Parley API. bench/README.md says what each case measures and has the figures.
//
//   npm run bench                    # embedded PGlite, in a temporary data directory
//   npm run bench -- --pg            # PostgreSQL: BENCH_DATABASE_URL, or the local server
//   npm run bench -- --rounds 3 --duration 5   # rounds of every case, seconds per case and round
//
// Servers run as child processes and autocannon runs here, so on a 2-core machine the server
// under test has one core and the load generator the other. The cases alternate, round after
// round, and each ratio is the median of the rounds' own ratios: a shared machine's speed drifts
// by more than the ratios' margins within minutes, and alternating spreads the drift over all.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { and, desc, eq } from 'drizzle-orm';
import pg from 'pg';
import { type Database, openDatabase } from '../packages/server/src/db/client.ts';
import { apiKeys } from '../packages/server/src/db/schema.ts';
import { createLogger } from '../packages/server/src/lib/logger.ts';
import {
  type CpuShares,
  median,
  percentiles,
  sleep,
  startCpuMeter,
  waitForQuietMachine,
} from './lib/machine.ts';

// autocannon ships no types; this is the part of its API used here.
type AutocannonRun = PromiseLike<
  { duration: number; requests: { total: number } } & Record<ErrorCount, number>
> & {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
type ErrorCount = 'errors' | 'timeouts' | 'non2xx';
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => AutocannonRun;

const { values: flags } = parseArgs({
  options: {
    pg: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    'no-workers': { type: 'boolean', default: false }, // parley serve --no-workers: without job polling
    profile: { type: 'string' }, // a directory: run the servers with --cpu-prof (slows them down)
    'hello-server': { type: 'boolean', default: false }, // internal: be the server of case (a)
    'sql-driver': { type: 'string' }, // internal: run case (d)'s queries on this data dir or URL
  },
});
const ROUNDS = Number(flags.rounds);
const DURATION_S = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const WARMUP_S = 3; // JIT, the API key cache and the pg pool are warm before anything is measured
// A server the bench may create a database on (and drop it after), not a database to use.
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USE_PG = flags.pg || Boolean(process.env.BENCH_DATABASE_URL);
// The rate limiter must count every request without ever answering 429.
const UNLIMITED_PLANS = '{"enterprise":{"requests_per_minute":1000000000}}';

/** One case in one round. */
interface Run {
  perSecond: number;
  latencies: number[];
  cpu: CpuShares | null;
}

interface Case {
  name: string;
  /** A case without a server under test (the driver alone). */
  serverless?: boolean;
  run(seconds: number): Promise<Run>;
}

const children = new Set<ChildProcess>();
const logFiles = new Map<ChildProcess, string>();
let tempDir = '';
let benchDatabase: string | null = null;

async function main(): Promise<void> {
  if (!(ROUNDS > 0 && DURATION_S > 0 && CONNECTIONS > 0)) {
    throw new Error('--rounds, --duration and --connections must be > 0');
  }
  tempDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
  // A crash or Ctrl-C must not leave servers running or temp dirs behind.
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(tempDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  try {
    const databaseUrl = USE_PG ? await createBenchDatabase() : null;
    console.log(
      `${USE_PG ? 'PostgreSQL' : 'PGlite'}, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s per case`,
    );
    let parley = await startParley(databaseUrl, /live key: (prl_live_\w+)/);
    const key = parley.match[1]!;
    let driverTarget = databaseUrl;
    if (!databaseUrl) {
      // Only one process may open a PGlite data directory: case (d) gets a copy of the server's
      // (same migrations, same rows), taken while the server is stopped.
      await stopProcess(parley.child);
      driverTarget = path.join(tempDir, 'driver-pgdata');
      cpSync(path.join(tempDir, 'data', 'pgdata'), driverTarget, { recursive: true });
      parley = await startParley(null, /Parley is running at/);
    }
    const hello = await startProcess('hello', [process.argv[1]!, '--hello-server'], {}, /listening at (\S+)/);
    const driver = await startDriver(driverTarget!);
    const url = /Parley is running at (\S+)/.exec(parley.output)?.[1];
    if (!url) throw new Error('the server banner has no URL');

    const cases: Case[] = [
      httpCase('(a) bare Fastify GET /', `${hello.match[1]}/`, null, hello.child),
      httpCase('(b) GET /v1/workspace', `${url}/v1/workspace`, key, parley.child),
      httpCase('(c) GET /v1/api-keys', `${url}/v1/api-keys`, key, parley.child),
      driver,
    ];
    // JIT, the API key cache and the pools are warm before anything is measured.
    for (const each of cases) await each.run(WARMUP_S);
    const runs = new Map<Case, Run[]>(cases.map((each) => [each, []]));
    for (let round = 1; round <= ROUNDS; round += 1) {
      const line: string[] = [];
      for (const each of cases) {
        await waitForQuietMachine(120_000);
        const run = await each.run(DURATION_S);
        runs.get(each)!.push(run);
        line.push(`${each.name.slice(0, 3)} ${Math.round(run.perSecond)}/s`);
      }
      console.log(`  round ${round}: ${line.join(', ')}`);
    }
    printResults(cases.map((each) => ({ ...each, runs: runs.get(each)! })));
  } finally {
    await cleanup();
  }
}

/** Starts `parley serve` and waits for `ready` in its output (the first start prints the keys). */
async function startParley(databaseUrl: string | null, ready: RegExp) {
  const env = {
    PARLEY_DATA_DIR: path.join(tempDir, 'data'),
    DATABASE_URL: databaseUrl ?? '',
    REDIS_URL: '', // in-memory rate limiter, as on a single node
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PARLEY_PLANS: UNLIMITED_PLANS,
    PARLEY_DEMO: 'false', // no demo bot being trained while measuring
  };
  const entry = path.resolve(import.meta.dirname, '../packages/server/src/main.ts');
  const serveArgs = flags['no-workers'] ? ['serve', '--no-workers'] : ['serve'];
  return startProcess('parley', [entry, ...serveArgs], env, ready);
}

/**
 * Spawns node with stdout and stderr written to a file in the temp dir, as a service manager would
 * (a pipe into this process would cost the load generator CPU), and waits for `ready` in it.
 */
async function startProcess(name: string, args: string[], env: Record<string, string>, ready: RegExp) {
  const logFile = path.join(tempDir, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const profile = flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(flags.profile)}`] : [];
  const child = spawn(process.execPath, [...profile, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.add(child);
  logFiles.set(child, logFile);
  child.on('exit', () => children.delete(child));
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    await sleep(100);
    const output = readFileSync(logFile, 'utf8');
    const match = ready.exec(output);
    if (match) return { child, match, output };
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
  }
  throw new Error(`${name} did not start within 60 s; see ${logFile}`);
}

/** SIGTERM (the server finishes in-flight requests and closes its database), then waits. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function httpCase(name: string, url: string, key: string | null, server: ChildProcess): Case {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  return {
    name,
    async run(seconds) {
      const latencies: number[] = [];
      const cpu = startCpuMeter({ serverPid: server.pid!, database: benchDatabase });
      const run = autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });
      // autocannon's histogram keeps whole milliseconds; keep the exact times, as case (d) does.
      run.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
      const result = await run;
      const shares = cpu.stop();
      // A 401 or a 429 is cheaper than a real answer and would flatter the figures.
      if (result.errors || result.timeouts || result.non2xx) {
        const counts = `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`;
        const output = readFileSync(logFiles.get(server)!, 'utf8').split('\n').slice(-20).join('\n');
        const state = server.exitCode ?? server.signalCode ?? 'still running';
        throw new Error(`${name}: ${counts}; the server: ${state}; the end of its output:\n${output}`);
      }
      return { perSecond: result.requests.total / result.duration, latencies, cpu: shares };
    },
  };
}

/**
 * Case (d): the SQL of GET /v1/api-keys straight through the driver, with as many queries in flight
 * as autocannon has connections, in a process of its own (this script with --sql-driver) that
 * runs when told. Its CPU counts as the bench's: the load and, for PGlite, the database too.
 */
async function startDriver(target: string): Promise<Case> {
  const child = spawn(process.execPath, [process.argv[1]!, '--sql-driver', target], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`the SQL driver exited with ${child.exitCode ?? child.signalCode}`);
    return line.value;
  };
  if ((await next()) !== 'ready') throw new Error('the SQL driver did not start');
  return {
    name: '(d) SQL of (c), driver only',
    serverless: true,
    async run(seconds) {
      const cpu = startCpuMeter({ benchPids: [child.pid!], database: benchDatabase });
      child.stdin!.write(`run ${seconds}\n`);
      const { count, latencies, elapsed } = JSON.parse(await next()) as {
        count: number;
        latencies: number[];
        elapsed: number;
      };
      return { perSecond: count / elapsed, latencies, cpu: cpu.stop() };
    },
  };
}

/**
 * The driver's side of case (d). The SQL is built like listApiKeys builds it: the first page
 * (20 rows, plus one that tells whether there is more) of the live keys of the workspace. It goes
 * to the driver itself, not the server's database layer: an unnamed statement, parsed every time;
 * for PGlite, the library in this very thread (no worker thread, no messages).
 */
async function serveDriver(target: string): Promise<void> {
  const isUrl = target.startsWith('postgres');
  const db: Database = await openDatabase({
    databaseUrl: isUrl ? target : null,
    pgliteDir: target,
    logger: createLogger('silent'),
    poolSize: 10, // what the server uses
  });
  const [key] = await db.query<{ workspace_id: string }>(
    "SELECT workspace_id FROM api_keys WHERE environment = 'live' LIMIT 1",
  );
  if (!key) throw new Error('no live key in the database');
  const { sql, params } = db.orm
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.workspaceId, key.workspace_id), eq(apiKeys.environment, 'live')))
    .orderBy(desc(apiKeys.id))
    .limit(21)
    .toSQL();
  let send: (text: string, values: unknown[]) => Promise<unknown>;
  if (isUrl) {
    const pool = db.pool!;
    send = (text, values) => pool.query(text, values);
  } else {
    await db.close();
    const pglite = await PGlite.create(target, { extensions: { vector, pg_trgm } });
    send = (text, values) => pglite.query(text, values);
  }
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const seconds = Number(/^run (\S+)$/.exec(line)?.[1]);
    const loops = await queryLoops(send, sql, params, seconds);
    process.stdout.write(`${JSON.stringify(loops)}\n`);
  }
  process.exit(0); // stdin closed: the bench is done
}

async function queryLoops(
  send: (text: string, values: unknown[]) => Promise<unknown>,
  sql: string,
  params: unknown[],
  durationS: number,
) {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + durationS * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      await send(sql, params);
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  return { count: latencies.length, latencies, elapsed: (performance.now() - start) / 1000 };
}

function printResults(results: { name: string; serverless?: boolean; runs: Run[] }[]): void {
  const pct = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(0)}%`);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const cpuOf = (runs: Run[], kind: keyof CpuShares) =>
    runs.every((run) => run.cpu) ? mean(runs.map((run) => run.cpu![kind])) : undefined;
  console.log(
    '\n| case | req/s (median) | range | p50 ms | p99 ms | CPU: server | postgres | bench | other |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { name, serverless, runs } of results) {
    const rates = runs.map((run) => run.perSecond);
    const { p50, p99 } = percentiles(runs.flatMap((run) => run.latencies));
    const cpu = [
      serverless ? undefined : cpuOf(runs, 'server'),
      USE_PG ? cpuOf(runs, 'postgres') : undefined,
      cpuOf(runs, 'bench'),
      cpuOf(runs, 'other'),
    ].map(pct);
    const range = `${Math.round(Math.min(...rates))}–${Math.round(Math.max(...rates))}`;
    const row = [name, median(rates).toFixed(0), range, p50.toFixed(2), p99.toFixed(2), ...cpu];
    console.log(`| ${row.join(' | ')} |`);
  }
  // Each round's ratio compares cases measured a few seconds apart.
  const [a, b, c, d] = results.map((result) => result.runs.map((run) => run.perSecond)) as [
    number[],
    number[],
    number[],
    number[],
  ];
  const verdict = (ratios: number[]) => {
    const value = median(ratios);
    const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
    return `${value.toFixed(2)} (rounds ${range}; goal ≥ 0.5: ${value >= 0.5 ? 'met' : 'missed'})`;
  };
  console.log(`\nb/a = ${verdict(b.map((value, i) => value / a[i]!))}`);
  console.log(`c/d = ${verdict(c.map((value, i) => value / d[i]!))}`);
  const machine = `${cpus().length} × ${cpus()[0]?.model}, node ${process.version}`;
  console.log(`\n${machine}, ${new Date().toISOString()}`);
  if (results.some(({ runs }) => (cpuOf(runs, 'other') ?? 0) > 15)) {
    console.log('warning: other processes used the CPU during the run (column "other"); run again.');
  }
}

async function createBenchDatabase(): Promise<string> {
  // A name of its own, so that no existing database is ever touched.
  const name = `parley_bench_${process.pid}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  benchDatabase = name;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function cleanup(): Promise<void> {
  await Promise.all([...children].map(stopProcess));
  rmSync(tempDir, { recursive: true, force: true });
  const name = benchDatabase;
  benchDatabase = null;
  if (name) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

if (flags['sql-driver']) {
  await serveDriver(flags['sql-driver']);
} else if (flags['hello-server']) {
  // Case (a): the smallest Fastify app, in a process of its own like the Parley server.
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`listening at ${url}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
} else {
  await main();
}

// API throughput: how much of a bare Fastify route, and of the raw database query, survives the
// layers of the Parley API. bench/README.md says what each case measures and has the figures.
//
//   npm run bench                    # embedded PGlite, in a temporary data directory
//   npm run bench -- --pg            # PostgreSQL: BENCH_DATABASE_URL, or the local server
//   npm run bench -- --duration 5    # seconds per case (default 10)
//
// Servers run as child processes and autocannon runs here, so on a 2-core machine the server
// under test has one core and the load generator the other.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { and, desc, eq } from 'drizzle-orm';
import pg from 'pg';
import { type Database, openDatabase } from '../packages/server/src/db/client.ts';
import { apiKeys } from '../packages/server/src/db/schema.ts';
import { createLogger } from '../packages/server/src/lib/logger.ts';

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
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'no-workers': { type: 'boolean', default: false }, // parley serve --no-workers: without job polling
    profile: { type: 'string' }, // a directory: run the servers with --cpu-prof (slows them down)
    'hello-server': { type: 'boolean', default: false }, // internal: be the server of case (a)
  },
});
const DURATION_S = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const WARMUP_S = 3; // JIT, the API key cache and the pg pool are warm before anything is measured
// A server the bench may create a database on (and drop it after), not a database to use.
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USE_PG = flags.pg || Boolean(process.env.BENCH_DATABASE_URL);
// The rate limiter must count every request without ever answering 429.
const UNLIMITED_PLANS = '{"enterprise":{"requests_per_minute":1000000000}}';

interface CaseResult {
  name: string;
  perSecond: number;
  p50: number;
  p99: number;
  cpu: CpuShares | null;
}

const children = new Set<ChildProcess>();
const logFiles = new Map<ChildProcess, string>();
let tempDir = '';
let benchDatabase: string | null = null;

async function main(): Promise<void> {
  if (!(DURATION_S > 0 && CONNECTIONS > 0)) throw new Error('--duration and --connections must be > 0');
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
    console.log(`${USE_PG ? 'PostgreSQL' : 'PGlite'}, ${CONNECTIONS} connections, ${DURATION_S} s per case`);
    const results: CaseResult[] = [];

    const hello = await startProcess('hello', [process.argv[1]!, '--hello-server'], {}, /listening at (\S+)/);
    results.push(await httpCase('(a) bare Fastify GET /', `${hello.match[1]}/`, null, hello.child));
    await stopProcess(hello.child);

    const { url, key, child } = await startParley(databaseUrl);
    results.push(await httpCase('(b) GET /v1/workspace', `${url}/v1/workspace`, key, child));
    results.push(await httpCase('(c) GET /v1/api-keys', `${url}/v1/api-keys`, key, child));
    // PGlite: only one process may open the data directory, so the server must be gone first.
    await stopProcess(child);
    results.push(await sqlCase(databaseUrl));

    printResults(results);
  } finally {
    await cleanup();
  }
}

/** Starts `parley serve` on a fresh database and reads its URL and live key from the banner. */
async function startParley(databaseUrl: string | null) {
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
  const started = await startProcess('parley', [entry, ...serveArgs], env, /live key: (prl_live_\w+)/);
  const url = /Parley is running at (\S+)/.exec(started.output)?.[1];
  if (!url) throw new Error('the server banner has no URL');
  return { child: started.child, url, key: started.match[1]! };
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

async function httpCase(name: string, url: string, key: string | null, server: ChildProcess) {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  await waitForQuietMachine();
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, headers });
  const latencies: number[] = [];
  const cpu = startCpuMeter(server.pid!);
  const run = autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
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
  const perSecond = result.requests.total / result.duration;
  return { name, perSecond, ...percentiles(latencies), cpu: shares } satisfies CaseResult;
}

/**
 * Case (d): the SQL of GET /v1/api-keys straight through the driver, with as many queries in flight
 * as autocannon has connections. The SQL is built like listApiKeys builds it: the first page
 * (20 rows, plus one that tells whether there is more) of the live keys of the workspace.
 */
async function sqlCase(databaseUrl: string | null): Promise<CaseResult> {
  const pgliteDir = path.join(tempDir, 'data', 'pgdata');
  const db: Database = await openDatabase({
    databaseUrl,
    pgliteDir,
    logger: createLogger('silent'),
    poolSize: 10, // what the server uses
  });
  let pglite: PGlite | null = null;
  try {
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
    // The driver itself, not the server's database layer: an unnamed statement, parsed every
    // time. For PGlite, the library in this very thread (the server runs it in a thread of its
    // own, behind messages; the driver alone has no such hop).
    let send: (text: string, values: unknown[]) => Promise<unknown>;
    if (db.kind === 'pglite') {
      await db.close();
      pglite = await PGlite.create(pgliteDir, { extensions: { vector, pg_trgm } });
      const embedded = pglite;
      send = (text, values) => embedded.query(text, values);
    } else {
      send = (text, values) => db.pool!.query(text, values);
    }
    await waitForQuietMachine();
    await queryLoops(send, sql, params, WARMUP_S);
    const cpu = startCpuMeter(process.pid); // PGlite runs in this process: here the client is the server
    const { count, latencies, seconds } = await queryLoops(send, sql, params, DURATION_S);
    const shares = cpu.stop();
    const name = '(d) SQL of (c), driver only';
    return { name, perSecond: count / seconds, ...percentiles(latencies), cpu: shares };
  } finally {
    if (pglite) await pglite.close();
    else await db.close();
  }
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
  return { count: latencies.length, latencies, seconds: (performance.now() - start) / 1000 };
}

function percentiles(latencies: number[]): { p50: number; p99: number } {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

/** CPU time over wall time, in % of one core; `server` is undefined for case (d), which has none. */
type CpuShares = { server?: number; postgres: number; bench: number; other: number };

/**
 * Reads CPU ticks (1/100 s) from /proc, on Linux only. "postgres" counts only the backends of the
 * bench database; "other" is everything else, kernel included: more than a few % means something
 * else ran on the machine and disturbed the case.
 */
function startCpuMeter(serverPid: number) {
  type Kind = 'server' | 'postgres' | 'bench';
  const kindOf = (pid: string): Kind | null => {
    if (Number(pid) === process.pid) return 'bench';
    if (Number(pid) === serverPid) return 'server';
    // A backend's command line names its database: "postgres: user database host(port) state".
    const cmdline = benchDatabase ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
    return benchDatabase && cmdline.includes(` ${benchDatabase} `) ? 'postgres' : null;
  };
  const sample = () => {
    const processes = new Map<string, { kind: Kind; ticks: number }>();
    for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      try {
        const kind = kindOf(pid);
        if (!kind) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
        processes.set(pid, { kind, ticks: Number(fields[11]) + Number(fields[12]) }); // utime + stime
      } catch {} // the process ended in between
    }
    return { machine: machineTicks(), processes };
  };
  const start = existsSync('/proc/stat') ? sample() : null;
  const startWall = performance.now();
  return {
    stop(): CpuShares | null {
      if (!start) return null;
      const end = sample();
      const wallS = (performance.now() - startWall) / 1000;
      const used = { server: 0, postgres: 0, bench: 0 };
      for (const [pid, { kind, ticks }] of end.processes) {
        used[kind] += (ticks - (start.processes.get(pid)?.ticks ?? 0)) / wallS; // new backends start at 0
      }
      const other = Math.max(
        0,
        (end.machine - start.machine) / wallS - used.server - used.postgres - used.bench,
      );
      return { ...used, server: serverPid === process.pid ? undefined : used.server, other };
    },
  };
}

/** Busy ticks of all CPUs since boot: the first line of /proc/stat but idle and iowait. */
function machineTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1, 9).map(Number);
  return fields.reduce((sum, ticks, i) => (i === 3 || i === 4 ? sum : sum + ticks), 0);
}

/** On a shared machine, waits (at most 2 minutes) for a quiet second before a case starts. */
async function waitForQuietMachine(): Promise<void> {
  if (!existsSync('/proc/stat')) return; // not Linux
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    const before = machineTicks();
    await sleep(1000);
    if (machineTicks() - before < 20) return; // less than 20% of one core
  }
  console.warn('warning: the machine stayed busy; measuring anyway');
}

function printResults(results: CaseResult[]): void {
  const pct = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(0)}%`);
  console.log('\n| case | req/s | p50 ms | p99 ms | CPU: server | postgres | bench | other |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const cpu = [r.cpu?.server, USE_PG ? r.cpu?.postgres : undefined, r.cpu?.bench, r.cpu?.other].map(pct);
    const row = [r.name, r.perSecond.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), ...cpu];
    console.log(`| ${row.join(' | ')} |`);
  }
  const [a, b, c, d] = results.map((r) => r.perSecond) as [number, number, number, number];
  const verdict = (ratio: number) => `${ratio.toFixed(2)} (goal ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'missed'})`;
  console.log(`\nb/a = ${verdict(b / a)}\nc/d = ${verdict(c / d)}`);
  const machine = `${cpus().length} × ${cpus()[0]?.model}, node ${process.version}`;
  console.log(`\n${machine}, ${new Date().toISOString()}`);
  if (results.some((r) => (r.cpu?.other ?? 0) > 15)) {
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (flags['hello-server']) {
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

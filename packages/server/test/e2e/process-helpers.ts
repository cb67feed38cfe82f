// End-to-end helpers: run the real `parley` command as a user would (a separate Node 24
// process on its own data directory), read what it prints, talk to it over real HTTP, and
// make sure no process or directory outlives its test.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, inject } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The Node 24 that `npm ci` installs; the system Node may be too old to run .ts files. */
export const NODE = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
export const MAIN = path.join(REPO_ROOT, 'packages', 'server', 'src', 'main.ts');
export const BIN = path.join(REPO_ROOT, 'packages', 'server', 'bin', 'parley.js');

/** Generous: a first start on an empty directory creates the embedded database (~3-10 s, more under load). */
export const START_TIMEOUT_MS = 90_000;
export const CLI_TIMEOUT_MS = 90_000;
/** "Within a few seconds": how long a stop signal may take to end the process. */
export const STOP_TIMEOUT_MS = 10_000;

/** A Node older than 24 on the PATH's usual places, to run bin/parley.js through its re-exec path. */
export const OLD_SYSTEM_NODE: string | null = (() => {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    const result = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    const major = Number(/^v(\d+)\./.exec(result.stdout ?? '')?.[1]);
    if (Number.isInteger(major) && major < 24) return candidate;
  }
  return null;
})();

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** The program and leading arguments; default: Node 24 running src/main.ts. */
  command?: string[];
  /** Extra environment variables (on top of a clean Parley environment). */
  env?: Record<string, string>;
  label?: string;
}

const spawned: ParleyProcess[] = [];
const tempDirs: string[] = [];

/** The environment of a user with nothing configured but the data directory and the port. */
export function parleyEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // Nothing from the test runner's environment may point the product elsewhere.
    if (
      /^(PARLEY_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$|NODE_OPTIONS$|VITEST|OPENAI_|GEMINI_|ANTHROPIC_|OLLAMA_)/.test(
        name,
      )
    ) {
      continue;
    }
    env[name] = value;
  }
  // The first-run demo trains a bot at every start: tests not about it turn it off, so the
  // default workspace holds only their own rows and its ingestion does not slow them down.
  return { ...env, PARLEY_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', PARLEY_DEMO: 'false', ...extra };
}

/** A new empty directory, removed after the test. */
export function makeTempDir(prefix = 'parley-e2e-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * A new data directory whose embedded database is already created and migrated (a copy of the one
 * test/global-setup.ts made), so that a start skips initdb, the slowest part of a first start. The
 * first start still creates the default workspace and prints its keys. Tests of the very first
 * start on an empty directory use makeTempDir().
 */
export function makeDataDir(): string {
  const dir = makeTempDir();
  const template = inject('pgdataTemplate');
  if (template) cpSync(template, path.join(dir, 'pgdata'), { recursive: true });
  return dir;
}

/** One spawned `parley` process, with everything it printed. */
export class ParleyProcess {
  readonly label: string;
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';
  exit: Exit | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(args: string[], dataDir: string, options: SpawnOptions = {}) {
    const [program, ...leading] = options.command ?? [NODE, MAIN];
    this.label = options.label ?? `parley ${args.join(' ')}`;
    this.child = spawn(program!, [...leading, ...args], {
      cwd: os.tmpdir(),
      env: parleyEnv(dataDir, options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so cleanup also reaches a child it re-executes (bin/parley.js on old Node).
      detached: true,
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      // 'close': the process ended and its output has been read to the end.
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
        this.notify();
      });
      this.child.on('error', (error) => {
        this.stderr += `\n[spawn error] ${error.message}\n`;
        if (!this.exit) {
          this.exit = { code: null, signal: null };
          resolve(this.exit);
        }
        this.notify();
      });
    });
    spawned.push(this);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.label} has no pid: ${this.stderr}`);
    return this.child.pid;
  }

  /** What the process printed, for failure messages. */
  describe(): string {
    const exit = this.exit
      ? `exited with code ${this.exit.code}, signal ${this.exit.signal}`
      : 'still running';
    return `--- ${this.label} (pid ${this.child.pid}, ${exit})\n[stdout]\n${this.stdout}\n[stderr]\n${this.stderr}`;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Resolves with the first truthy value of `check`, re-evaluated whenever the process prints
   * something or ends. Rejects when it ends first or after the timeout.
   */
  waitFor<T>(
    what: string,
    check: () => T | null | undefined | false,
    timeoutMs = START_TIMEOUT_MS,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (error: Error | null, value?: T) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (error) reject(error);
        else resolve(value as T);
      };
      const listener = () => {
        let value: T | null | undefined | false;
        try {
          value = check();
        } catch (error) {
          finish(error as Error);
          return;
        }
        if (value) finish(null, value);
        else if (this.exit) finish(new Error(`${this.label} ended before ${what}.\n${this.describe()}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.\n${this.describe()}`)),
        timeoutMs,
      );
      this.listeners.add(listener);
      listener();
    });
  }

  /** The exit, or an error when the process is still running after the timeout. */
  async waitForExit(timeoutMs = STOP_TIMEOUT_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.label} did not exit within ${timeoutMs} ms.\n${this.describe()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal to this process only (not to its group). */
  signal(signal: NodeJS.Signals): void {
    if (this.exit) throw new Error(`${this.label} already exited.\n${this.describe()}`);
    process.kill(this.pid, signal);
  }
}

export function spawnParley(args: string[], dataDir: string, options: SpawnOptions = {}): ParleyProcess {
  return new ParleyProcess(args, dataDir, options);
}

// ---------------------------------------------------------------------------------------------
// `parley serve` and its banner

export interface BannerKey {
  environment: string;
  secret: string;
}

export interface Banner {
  url: string;
  /** The banner's text, from "Parley is running at" on. */
  text: string;
  /** Every "<env> key: <secret>" line, in order. */
  keys: BannerKey[];
}

const BANNER_START = /Parley is running at (http:\/\/\S+)\n/;

/** The banner, once printed in full (it is one write), else null. */
export function parseBanner(stdout: string): Banner | null {
  const match = BANNER_START.exec(stdout);
  if (!match) return null;
  const rest = stdout.slice(match.index);
  // JSON log lines follow the banner; the banner itself has none.
  const end = rest.search(/^\{/m);
  const text = end < 0 ? rest : rest.slice(0, end);
  if (!/\n {2}Database: .*\n/.test(text)) return null;
  const keys = [...text.matchAll(/^\s+(\S+) key: (\S+)$/gm)].map((m) => ({
    environment: m[1]!,
    secret: m[2]!,
  }));
  return { url: match[1]!, text, keys };
}

export interface RunningParley {
  process: ParleyProcess;
  url: string;
  banner: Banner;
}

/** Starts `parley serve` on the data directory (port chosen by the system) and waits for its banner. */
export async function startParley(
  dataDir: string,
  options: SpawnOptions & { args?: string[] } = {},
): Promise<RunningParley> {
  const proc = spawnParley(['serve', ...(options.args ?? [])], dataDir, {
    label: 'parley serve',
    ...options,
  });
  const banner = await proc.waitFor(
    'the "Parley is running at" banner',
    () => parseBanner(proc.stdout),
    START_TIMEOUT_MS,
  );
  return { process: proc, url: banner.url, banner };
}

/** Sends the signal and waits for the process to end; returns how it ended and how long it took. */
export async function stopParley(
  running: RunningParley,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<Exit & { elapsedMs: number }> {
  const started = Date.now();
  running.process.signal(signal);
  const exit = await running.process.waitForExit(STOP_TIMEOUT_MS);
  return { ...exit, elapsedMs: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------
// The CLI

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
  /** For failure messages. */
  describe(): string;
}

/** Runs one CLI command to its end. */
export async function runCli(
  dataDir: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<CliResult> {
  const proc = spawnParley(args, dataDir, options);
  const exit = await proc.waitForExit(CLI_TIMEOUT_MS);
  return { ...exit, stdout: proc.stdout, stderr: proc.stderr, describe: () => proc.describe() };
}

/** Runs a `--json` CLI command that must succeed and print exactly one JSON value on stdout. */
export async function runCliJson<T = Record<string, unknown>>(
  dataDir: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<T> {
  const result = await runCli(dataDir, args, options);
  if (result.code !== 0) throw new Error(`Expected exit code 0.\n${result.describe()}`);
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON value.\n${result.describe()}`);
  }
}

/** What the CLI prints with --json. */
export interface CliKey {
  id: string;
  name: string;
  environment: string;
  prefix: string;
  last_four: string;
  status: string;
  revoked_at: string | null;
}
export interface CreatedCliKey extends CliKey {
  key: string;
  workspace_id: string;
}
export interface CliKeyList {
  workspace_id: string;
  keys: CliKey[];
}
export interface CliWorkspace {
  id: string;
  name: string;
  plan: string;
  is_default: boolean;
}

/** A message for people: no stack trace. */
export const STACK_TRACE_LINE = /^\s+at .+:\d+:\d+\)?$/m;

// ---------------------------------------------------------------------------------------------
// Cleanup

/** Kills every process the test started (with their process groups) and removes its directories. */
async function cleanup(): Promise<void> {
  for (const proc of spawned) {
    if (proc.child.pid === undefined) continue;
    try {
      // The whole group: a process that exited may have left a child of its own running.
      process.kill(-proc.child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }
  const running = spawned.filter((proc) => !proc.exit);
  await Promise.all(running.map((proc) => proc.waitForExit(STOP_TIMEOUT_MS).catch(() => {})));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Call once at the top of a test file: every test then ends with its processes killed and its
 * directories removed, and a failing test prints what its processes printed.
 */
export function useProcessCleanup(): void {
  beforeEach((context) => {
    spawned.length = 0;
    context.onTestFailed(() => {
      for (const proc of spawned) process.stderr.write(`${proc.describe()}\n`);
    });
  });
  afterEach(cleanup);
}

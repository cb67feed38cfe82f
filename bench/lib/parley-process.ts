// One Parley server in a process of its own, as an operator runs it: `parley serve` on a free port,
// ready when its banner shows the address and (on a first start) the live key.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';

const MAIN = path.resolve(import.meta.dirname, '../../packages/server/src/main.ts');

export interface ParleyProcess {
  child: ChildProcess;
  url: string;
  /** The live key the first start printed. */
  key: string;
}

/**
 * Starts `parley serve` with `env` over the defaults (a free port on 127.0.0.1, warnings only, no
 * demo bot being trained while measuring). A first start creates the database and runs every
 * migration: slow on a busy machine, hence the long default wait.
 */
export function startParley(env: Record<string, string>, timeoutMs = 300_000): Promise<ParleyProcess> {
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', PARLEY_DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Parley did not start:\n${output}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Parley is running at (\S+)/.exec(output)?.[1];
      const key = /live key: (prl_live_\S+)/.exec(output)?.[1];
      if (url && key) {
        clearTimeout(timer);
        resolve({ child, url, key });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Parley exited with ${code}:\n${output}`));
    });
  });
}

/** Stops a server started by startParley (if it started) and waits for it to exit. */
export async function stopParley(parley: ParleyProcess | null): Promise<void> {
  if (!parley || parley.child.exitCode !== null) return;
  const exited = new Promise((resolve) => parley.child.once('exit', resolve));
  parley.child.kill('SIGTERM');
  await exited;
}

export interface BenchDatabase {
  /** DATABASE_URL for the server: a new database of its own, or '' for embedded PGlite. */
  url: string;
  /** Drops the database (nothing for PGlite). */
  drop(): Promise<void>;
}

/** A new database named `name` on the PostgreSQL server at `adminUrl`, or none when `usePg` is false. */
export async function benchDatabase(usePg: boolean, adminUrl: string, name: string): Promise<BenchDatabase> {
  if (!usePg) return { url: '', drop: async () => {} };
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

// The embedded database's directory: private to its owner (and made so again at start), and a
// damaged one stops the start with a message that says what is wrong and where.
import { chmodSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  makeTempDir,
  runCli,
  STACK_TRACE_LINE,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

/** Every entry under `dir` (itself included) with its permission bits. */
function modes(dir: string): { path: string; mode: number; directory: boolean }[] {
  const out: { path: string; mode: number; directory: boolean }[] = [];
  const visit = (target: string) => {
    const stat = lstatSync(target);
    if (stat.isSymbolicLink()) return;
    out.push({ path: target, mode: stat.mode & 0o777, directory: stat.isDirectory() });
    if (stat.isDirectory()) for (const name of readdirSync(target)) visit(path.join(target, name));
  };
  visit(dir);
  return out;
}

function openToOthers(dir: string) {
  return modes(dir).filter((entry) => (entry.mode & 0o077) !== 0);
}

describe('the data directory', () => {
  it('is created readable by its owner only, and an existing open one is closed at start', {
    timeout: 240_000,
  }, async () => {
    const dataDir = path.join(makeTempDir(), 'data');
    const first = await startParley(dataDir);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(modes(path.join(dataDir, 'pgdata')).length).toBeGreaterThan(100);
    expect(openToOthers(dataDir)).toEqual([]);
    expect((await stopParley(first)).code).toBe(0);

    // As a directory made by an older version (or by hand) would be.
    for (const entry of modes(dataDir)) chmodSync(entry.path, entry.directory ? 0o755 : 0o666);
    expect(openToOthers(dataDir).length).toBeGreaterThan(100);
    const second = await startParley(dataDir);
    expect(openToOthers(dataDir)).toEqual([]);
    expect(second.process.stdout).toContain('readable by their owner only');
  });

  it('that is damaged stops the start with what is wrong and where, not a stack trace', {
    timeout: 120_000,
  }, async () => {
    const dataDir = makeTempDir();
    const pgdata = path.join(dataDir, 'pgdata');
    mkdirSync(pgdata);
    writeFileSync(path.join(pgdata, 'PG_VERSION'), 'garbage\n');
    const started = await runCli(dataDir, ['serve']);
    expect(started.code, started.describe()).toBe(1);
    expect(started.stderr).toContain(`The embedded database in ${pgdata} cannot be opened`);
    expect(started.stderr).toContain("PG_VERSION says 'garbage'");
    expect(started.stderr).not.toMatch(STACK_TRACE_LINE);

    // The same directory with its control file gone.
    writeFileSync(path.join(pgdata, 'PG_VERSION'), '18\n');
    const again = await runCli(dataDir, ['serve']);
    expect(again.code, again.describe()).toBe(1);
    expect(again.stderr).toContain('global/pg_control is missing');
    expect(again.stderr).not.toMatch(STACK_TRACE_LINE);
  });
});

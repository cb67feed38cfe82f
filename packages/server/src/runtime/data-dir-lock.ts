// PGlite has no lock between processes: two processes on one data directory would lose
// writes silently. The process that opens the embedded database holds this lock file.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  socketPath: string;
}

export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly holder: LockHolder;

  constructor(dataDir: string, holder: LockHolder) {
    super(
      `The data directory ${dataDir} is in use by another Parley process (pid ${holder.pid}). ` +
        'Stop that process first, or use PARLEY_DATA_DIR for a separate directory.',
    );
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockPath(dataDir: string): string {
  return path.join(dataDir, 'parley.lock');
}

export function socketPath(dataDir: string): string {
  return path.join(dataDir, 'parley.sock');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type LockState = { kind: 'free' } | { kind: 'held'; holder: LockHolder } | { kind: 'stale'; content: string };

function readLock(dataDir: string): LockState {
  const file = lockPath(dataDir);
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch {
    return { kind: 'free' };
  }
  try {
    const holder = JSON.parse(content) as LockHolder;
    if (Number.isInteger(holder.pid) && isAlive(holder.pid)) return { kind: 'held', holder };
    return { kind: 'stale', content };
  } catch {
    // Lock files are written whole (see acquire), so an unreadable one is old garbage.
    return { kind: 'stale', content };
  }
}

/** The live process holding the lock, or null when the lock is free or stale. */
export function readLockHolder(dataDir: string): LockHolder | null {
  const state = readLock(dataDir);
  return state.kind === 'held' ? state.holder : null;
}

/**
 * Takes the lock or throws DataDirLockedError. The lock file is written in full under a unique
 * name and linked into place, which fails atomically if a lock exists. A lock left by a process
 * that died (kill -9) is stale: its pid is gone, so the next start moves it aside and takes over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = lockPath(dataDir);
  const holder: LockHolder = { pid: process.pid, socketPath: socketPath(dataDir) };
  const draft = `${file}.${process.pid}.${Date.now()}`;
  writeFileSync(draft, JSON.stringify(holder), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(draft, file);
        let released = false;
        return {
          release() {
            if (released) return;
            released = true;
            // Only remove the lock if it is still ours.
            if (readLockHolder(dataDir)?.pid === process.pid) rmSync(file, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const state = readLock(dataDir);
      if (state.kind === 'held') throw new DataDirLockedError(dataDir, state.holder);
      if (state.kind === 'stale') moveStaleAside(file, state.content);
    }
    throw new Error(`Could not take the lock ${file}.`);
  } finally {
    rmSync(draft, { force: true });
  }
}

/** Renames a stale lock away; if what was renamed turns out to be a fresh lock, puts it back. */
function moveStaleAside(file: string, staleContent: string): void {
  const aside = `${file}.stale.${process.pid}.${Date.now()}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else moved it first
  }
  if (readFileSync(aside, 'utf8') !== staleContent) {
    try {
      linkSync(aside, file);
    } catch {
      // A newer lock is already in place.
    }
  }
  rmSync(aside, { force: true });
}

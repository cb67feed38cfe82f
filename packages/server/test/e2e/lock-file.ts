// The data directory's lock file, as a test reads it: which process holds the directory.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface LockFile {
  pid: number;
  socketPath: string;
}

export function lockFilePath(dataDir: string): string {
  return path.join(dataDir, 'parley.lock');
}

export function readLockFile(dataDir: string): LockFile | null {
  try {
    return JSON.parse(readFileSync(lockFilePath(dataDir), 'utf8')) as LockFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

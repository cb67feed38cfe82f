// The embedded database's directory on disk: kept readable by its owner only, and explained in
// plain words when it cannot be opened (PGlite itself only says "failed to initialize").

import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { Logger } from 'pino';

/** The PostgreSQL major version of the embedded database (PGlite 0.5 runs PostgreSQL 18). */
const PG_MAJOR = '18';

/**
 * Makes `dir` and everything in it owner-only (directories 0700, files 0600), and has this
 * process create new files that way: the database holds every tenant's data and the secret key
 * sits beside it. Modes are fixed on every start, with a log line when any was open to others.
 * PGlite sets some of its files' modes itself (0666): `quiet` fixes those after it opened the
 * database, without a warning. The directories' 0700 keeps others out of any file added later.
 */
export function secureDataDir(dir: string, logger: Logger, options: { quiet?: boolean } = {}): void {
  // The mask is the process's (threads cannot set it): new files 0600, new directories 0700.
  if (isMainThread) process.umask(0o077);
  if (!existsSync(dir)) return;
  // Others reach a file only through directories they may enter: an open directory is what
  // exposed the data, and what the warning counts.
  let opened = 0;
  const visit = (target: string): void => {
    const stat = lstatSync(target);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) {
      chmodSync(target, stat.isDirectory() ? 0o700 : 0o600);
      if (stat.isDirectory()) opened++;
    }
    if (stat.isDirectory()) for (const name of readdirSync(target)) visit(path.join(target, name));
  };
  visit(dir);
  if (opened > 0 && !options.quiet) {
    logger.warn(
      { dataDir: dir, directories: opened },
      'the data directory was open to other users: its files are now readable by their owner only',
    );
  }
}

/** The embedded database could not be opened: what is wrong, where, and what to do. */
export class DatabaseOpenError extends Error {}

/**
 * Why PGlite could not open `dir`, in words: checked after it failed, on what is usually wrong
 * with a data directory (not a directory, not a database, another version, missing files).
 */
export function explainOpenFailure(dir: string, error: Error): DatabaseOpenError {
  const advice = 'Restore the directory from a backup, or move it away to start with an empty database.';
  const fail = (what: string) =>
    new DatabaseOpenError(`The embedded database in ${dir} cannot be opened: ${what}. ${advice}`);
  try {
    if (!statSync(dir).isDirectory()) return fail(`${dir} is not a directory`);
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes('PG_VERSION')) {
      return fail(
        `it is not a database directory (it has no PG_VERSION file, but has ${entries.slice(0, 3).join(', ')})`,
      );
    }
    if (entries.includes('PG_VERSION')) {
      const version = readFileSync(path.join(dir, 'PG_VERSION'), 'utf8').trim();
      if (version !== PG_MAJOR) {
        return fail(
          `PG_VERSION says '${version.slice(0, 40)}', expected ${PG_MAJOR} (the files are damaged or of another PostgreSQL version)`,
        );
      }
      for (const required of ['global/pg_control', 'base']) {
        if (!existsSync(path.join(dir, required)))
          return fail(`${required} is missing (the files are damaged)`);
      }
    }
  } catch (cause) {
    return fail((cause as Error).message);
  }
  return fail(`PostgreSQL could not start on its files (${error.message})`);
}

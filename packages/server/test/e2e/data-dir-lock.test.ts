// One process per embedded data directory: a second `serve` is refused and the first keeps
// serving, with its lock and its CLI socket intact.
import { describe, expect, it } from 'vitest';
import { api, getWorkspace } from './http-helpers.ts';
import { readLockFile } from './lock-file.ts';
import {
  makeTempDir,
  runCliJson,
  spawnParley,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

describe('parley serve: the data directory lock', () => {
  it('refuses a second serve on the same data directory while the first runs', {
    timeout: 180_000,
  }, async () => {
    const dataDir = makeTempDir();
    const first = await startParley(dataDir);
    const live = first.banner.keys[0]!.secret;
    expect(readLockFile(dataDir)?.pid).toBe(first.process.pid);

    const second = spawnParley(['serve'], dataDir, { label: 'second parley serve' });
    const exit = await second.waitForExit(60_000);
    expect(exit.signal).toBeNull();
    expect(exit.code, second.describe()).toBeGreaterThan(0);
    expect(second.stderr).toContain(`The data directory ${dataDir} is in use by another Parley process`);
    expect(second.stderr).toContain(`(pid ${first.process.pid})`);
    expect(second.stderr).toContain('PARLEY_DATA_DIR');
    // A message, not a crash.
    expect(second.stderr).not.toMatch(/^\s+at /m);
    expect(second.stdout).not.toContain('Parley is running');

    // The first still runs, still holds the lock, and still serves reads, writes and the CLI.
    expect(first.process.exit).toBeNull();
    expect(readLockFile(dataDir)?.pid).toBe(first.process.pid);
    const workspace = await getWorkspace(first.url, live);
    expect(workspace.status).toBe(200);
    expect(workspace.body.environment).toBe('live');
    const created = await api(first.url, '/v1/api-keys', {
      key: live,
      method: 'POST',
      body: { name: 'after refusal' },
    });
    expect(created.status).toBe(201);
    expect((await getWorkspace(first.url, created.body.key)).status).toBe(200);
    const listed = await runCliJson<{ keys: { id: string }[] }>(dataDir, ['keys', 'list', '--json']);
    expect(listed.keys.map((key) => key.id)).toContain(created.body.id);

    expect((await stopParley(first)).code).toBe(0);
  });
});

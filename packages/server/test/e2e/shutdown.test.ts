// Stopping: SIGTERM finishes the request in flight, exits 0 and frees the data directory;
// kill -9 leaves a stale lock that the next start (or CLI run) takes over, with no data lost.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { api, getWorkspace, startHeldRequest, waitUntil } from './http-helpers.ts';
import { isPidAlive, lockFilePath, readLockFile } from './lock-file.ts';
import {
  makeDataDir,
  runCliJson,
  STOP_TIMEOUT_MS,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

/** True when a new request is not served normally: refused, cut, or 503 while closing. */
async function refusesNewRequests(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 503;
  } catch {
    return true;
  }
}

describe('parley serve: stopping', () => {
  it('on SIGTERM finishes the request in flight, exits 0 and releases the lock', {
    timeout: 180_000,
  }, async () => {
    const dataDir = makeDataDir();
    const first = await startParley(dataDir);
    const live = first.banner.keys[0]!.secret;
    // An earlier request leaves an idle keep-alive connection behind: it must not hold up the stop.
    expect((await getWorkspace(first.url, live)).status).toBe(200);

    // The server has this request (it answered 100 Continue) and waits for its body.
    const held = startHeldRequest(first.url, '/v1/api-keys', { key: live, body: { name: 'in flight' } });
    await held.accepted;

    first.process.signal('SIGTERM');
    await first.process.waitFor(
      'the shutdown log line',
      () => first.process.stdout.includes('shutting down'),
      STOP_TIMEOUT_MS,
    );
    // Shutting down: new requests are turned away while ours is still open.
    await waitUntil('the server to turn new requests away', () => refusesNewRequests(first.url));
    expect(first.process.exit).toBeNull();

    const sentAt = Date.now();
    held.sendBody();
    const response = await held.response;
    expect(response.status).toBe(201);
    const inFlightKey = (response.body as { key: string }).key;
    expect(inFlightKey).toMatch(/^prl_live_/);

    const exit = await first.process.waitForExit(STOP_TIMEOUT_MS);
    expect(exit).toEqual({ code: 0, signal: null });
    // Once the last request is done, the process ends within a few seconds.
    expect(Date.now() - sentAt).toBeLessThan(STOP_TIMEOUT_MS);
    expect(existsSync(lockFilePath(dataDir))).toBe(false);

    // The next start takes the directory at once, and the key written during shutdown was kept.
    const second = await startParley(dataDir);
    expect(second.banner.keys).toEqual([]);
    expect(readLockFile(dataDir)?.pid).toBe(second.process.pid);
    const workspace = await getWorkspace(second.url, inFlightKey);
    expect(workspace.status).toBe(200);
    expect(workspace.body).toMatchObject({ environment: 'live', plan: 'enterprise' });

    // SIGINT (Ctrl-C) stops it cleanly too.
    const stopped = await stopParley(second, 'SIGINT');
    expect(stopped.code).toBe(0);
    expect(existsSync(lockFilePath(dataDir))).toBe(false);
  });

  it('on SIGTERM in the middle of a large upload, exits in time and the next start finishes it', {
    timeout: 300_000,
  }, async () => {
    const dataDir = makeDataDir();
    const first = await startParley(dataDir);
    const live = first.banner.keys[0]!.secret;
    const bot = await api(first.url, '/v1/chatbots', { key: live, method: 'POST', body: { name: 'Big' } });
    // Random base64: the slowest text to chunk and index, so the stop comes in the middle of it.
    const text = randomBytes(1024 * 1024)
      .toString('base64')
      .replace(/.{76}/g, '$&\n');
    const form = new FormData();
    form.set('type', 'file');
    form.set('file', new Blob([text], { type: 'text/plain' }), 'random.txt');
    const upload = await fetch(`${first.url}/v1/chatbots/${bot.body.id}/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${live}` },
      body: form,
    });
    expect(upload.status).toBe(202);
    const sourceId = ((await upload.json()) as { id: string }).id;
    const status = async (url: string) =>
      (await api(url, `/v1/sources/${sourceId}`, { key: live })).body.status;
    await waitUntil('the ingestion to start', async () => (await status(first.url)) === 'processing', 60_000);

    const stopped = await stopParley(first);
    expect(stopped.code).toBe(0);
    expect(existsSync(lockFilePath(dataDir))).toBe(false);
    // The stop came in the middle of the work: the source is not ready yet.
    const listed = await runCliJson<{ data: { id: string; status: string }[] }>(dataDir, [
      'sources',
      'list',
      bot.body.id,
      '--json',
    ]);
    expect(listed.data.find((source) => source.id === sourceId)?.status).not.toBe('ready');

    // Nothing was lost: the next start runs the ingestion again, to its end.
    const second = await startParley(dataDir);
    let final = '';
    await waitUntil(
      'the ingestion to finish after the restart',
      async () => {
        final = await status(second.url);
        return final === 'ready' || final === 'failed';
      },
      240_000,
    );
    expect(final).toBe('ready');
  });

  it('after kill -9, the next start takes over the stale lock and every key still works', {
    timeout: 240_000,
  }, async () => {
    const dataDir = makeDataDir();
    const first = await startParley(dataDir);
    const [live, test] = first.banner.keys.map((key) => key.secret) as [string, string];
    const viaApi = await api(first.url, '/v1/api-keys', {
      key: test,
      method: 'POST',
      body: { name: 'made by the API' },
    });
    expect(viaApi.status).toBe(201);
    const viaCli = await runCliJson<{ id: string; key: string }>(dataDir, [
      'keys',
      'create',
      '--name',
      'made by the CLI',
      '--json',
    ]);
    expect(viaCli.key).toMatch(/^prl_live_/);
    const keys: [string, string][] = [
      [live, 'live'],
      [test, 'test'],
      [viaApi.body.key, 'test'],
      [viaCli.key, 'live'],
    ];
    for (const [key] of keys) expect((await getWorkspace(first.url, key)).status).toBe(200);

    first.process.signal('SIGKILL');
    expect(await first.process.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });
    // The lock file is left behind, naming a process that is gone.
    const stale = readLockFile(dataDir);
    expect(stale?.pid).toBe(first.process.pid);
    expect(isPidAlive(first.process.pid)).toBe(false);

    const second = await startParley(dataDir);
    expect(second.banner.keys).toEqual([]);
    expect(readLockFile(dataDir)?.pid).toBe(second.process.pid);
    for (const [key, environment] of keys) {
      const workspace = await getWorkspace(second.url, key);
      expect(workspace.status, `${environment} key ${key.slice(0, 12)}…`).toBe(200);
      expect(workspace.body.environment).toBe(environment);
    }

    // The CLI, too, takes over a stale lock when no server runs, and sees every key.
    second.process.signal('SIGKILL');
    await second.process.waitForExit();
    expect(readLockFile(dataDir)?.pid).toBe(second.process.pid);
    const listed = await runCliJson<{ keys: { id: string; status: string }[] }>(dataDir, [
      'keys',
      'list',
      '--json',
    ]);
    expect(listed.keys).toHaveLength(4);
    expect(listed.keys.map((key) => key.id)).toEqual(expect.arrayContaining([viaApi.body.id, viaCli.id]));
    expect(listed.keys.every((key) => key.status === 'active')).toBe(true);
    expect(existsSync(lockFilePath(dataDir))).toBe(false);
  });
});

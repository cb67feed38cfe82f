// First start on an empty data directory: the default workspace and its two keys are created
// and shown once; a later start shows no keys and the old ones still work.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getWorkspace } from './http-helpers.ts';
import { BIN, makeTempDir, NODE, startParley, stopParley, useProcessCleanup } from './process-helpers.ts';

useProcessCleanup();

describe('parley serve: first and later starts', () => {
  it('creates the default workspace with one live and one test key on first start only', {
    timeout: 180_000,
  }, async () => {
    const dataDir = makeTempDir();

    const first = await startParley(dataDir);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.banner.text).toContain(`Database: embedded, in ${dataDir}`);
    expect(first.banner.text).toContain('Created workspace "Default workspace"');
    expect(first.banner.keys.map((key) => key.environment)).toEqual(['live', 'test']);
    const [live, test] = first.banner.keys.map((key) => key.secret) as [string, string];
    expect(live).toMatch(/^prl_live_[A-Za-z0-9]{20,}$/);
    expect(test).toMatch(/^prl_test_[A-Za-z0-9]{20,}$/);
    // Exactly once each, in the whole output (not repeated in a log line).
    expect(first.process.stdout.split(live).length - 1).toBe(1);
    expect(first.process.stdout.split(test).length - 1).toBe(1);
    expect(first.process.stderr).not.toContain('prl_');
    expect(first.banner.text).toMatch(/^ {2}Create more with: .*keys create --name NAME/m);
    expect(existsSync(path.join(dataDir, 'pgdata'))).toBe(true);

    // The keys work, each in its environment, on the enterprise plan; no key, no access.
    const liveWorkspace = await getWorkspace(first.url, live);
    expect(liveWorkspace.status).toBe(200);
    expect(liveWorkspace.body).toMatchObject({
      name: 'Default workspace',
      plan: 'enterprise',
      environment: 'live',
      rate_limit: { requests_per_minute: 1000 },
    });
    expect(liveWorkspace.body.id).toMatch(/^ws_/);
    const testWorkspace = await getWorkspace(first.url, test);
    expect(testWorkspace.status).toBe(200);
    expect(testWorkspace.body).toMatchObject({
      id: liveWorkspace.body.id,
      plan: 'enterprise',
      environment: 'test',
    });
    const anonymous = await getWorkspace(first.url, '');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('missing_api_key');
    const forged = await getWorkspace(first.url, `prl_live_${'A'.repeat(live.length - 'prl_live_'.length)}`);
    expect(forged.status).toBe(401);

    const stopped = await stopParley(first);
    expect(stopped.code).toBe(0);

    // Second start on the same directory, through bin/parley.js this time: no new keys.
    const second = await startParley(dataDir, { command: [NODE, BIN] });
    expect(second.banner.keys).toEqual([]);
    expect(second.banner.text).not.toContain('Created workspace');
    expect(second.banner.text).not.toContain('Create more with');
    expect(second.process.stdout).not.toMatch(/prl_(live|test)_/);

    // The keys from the first start still work: the data was persisted.
    const liveAgain = await getWorkspace(second.url, live);
    expect(liveAgain.status).toBe(200);
    expect(liveAgain.body).toMatchObject({
      id: liveWorkspace.body.id,
      environment: 'live',
      plan: 'enterprise',
    });
    const testAgain = await getWorkspace(second.url, test);
    expect(testAgain.status).toBe(200);
    expect(testAgain.body).toMatchObject({
      id: liveWorkspace.body.id,
      environment: 'test',
      plan: 'enterprise',
    });

    expect((await stopParley(second)).code).toBe(0);
  });
});

// The operator CLI while `parley serve` runs: it goes through the server's local socket, and
// the running server honours its changes at once.
import { describe, expect, it } from 'vitest';
import { getWorkspace } from './http-helpers.ts';
import {
  BIN,
  type CliKeyList,
  type CliWorkspace,
  type CreatedCliKey,
  makeDataDir,
  NODE,
  OLD_SYSTEM_NODE,
  runCli,
  runCliJson,
  STACK_TRACE_LINE,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

describe('parley CLI while the server runs', () => {
  it('creates, lists and revokes keys that the running server honours at once', {
    timeout: 180_000,
  }, async () => {
    const dataDir = makeDataDir();
    const server = await startParley(dataDir);
    const bannerLive = server.banner.keys[0]!.secret;
    const defaultWorkspace = await getWorkspace(server.url, bannerLive);
    expect(defaultWorkspace.status).toBe(200);

    const created = await runCliJson<CreatedCliKey>(dataDir, ['keys', 'create', '--name', 'x', '--json']);
    expect(created).toMatchObject({
      name: 'x',
      environment: 'live',
      status: 'active',
      workspace_id: defaultWorkspace.body.id,
    });
    expect(created.id).toMatch(/^key_/);
    expect(created.key).toMatch(/^prl_live_/);
    expect(created.key.endsWith(created.last_four)).toBe(true);
    // Use it once, so that the server has it in its key cache before the revocation.
    const before = await getWorkspace(server.url, created.key);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      id: defaultWorkspace.body.id,
      environment: 'live',
      plan: 'enterprise',
    });

    const createdTest = await runCliJson<CreatedCliKey>(dataDir, [
      'keys',
      'create',
      '--name',
      'y',
      '--env',
      'test',
      '--json',
    ]);
    expect(createdTest.key).toMatch(/^prl_test_/);
    expect((await getWorkspace(server.url, createdTest.key)).body.environment).toBe('test');

    const list = await runCli(dataDir, ['keys', 'list', '--json']);
    expect(list.code, list.describe()).toBe(0);
    const listed = JSON.parse(list.stdout) as CliKeyList;
    expect(listed.workspace_id).toBe(defaultWorkspace.body.id);
    expect(listed.keys.map((key) => key.name).sort()).toEqual([
      'Default live key',
      'Default test key',
      'x',
      'y',
    ]);
    expect(listed.keys.find((key) => key.id === created.id)?.status).toBe('active');
    // Secrets are shown at creation only.
    expect(list.stdout).not.toContain(created.key);
    expect(list.stdout).not.toMatch(/prl_(live|test)_[A-Za-z0-9]{20,}/);

    const revoke = await runCli(dataDir, ['keys', 'revoke', created.id]);
    expect(revoke.code, revoke.describe()).toBe(0);
    expect(revoke.stdout).toContain(`Revoked key ${created.id} "x"`);
    // Immediately refused by the running server, while the other keys still work.
    const after = await getWorkspace(server.url, created.key);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('api_key_revoked');
    expect((await getWorkspace(server.url, bannerLive)).status).toBe(200);
    expect((await getWorkspace(server.url, createdTest.key)).status).toBe(200);

    const relisted = await runCliJson<CliKeyList>(dataDir, ['keys', 'list', '--json']);
    const revoked = relisted.keys.find((key) => key.id === created.id);
    expect(revoked?.status).toBe('revoked');
    expect(revoked?.revoked_at).not.toBeNull();
    expect(relisted.keys.filter((key) => key.status === 'active')).toHaveLength(3);

    // The server never gave up the data directory to the CLI.
    expect(server.process.exit).toBeNull();
    expect((await stopParley(server)).code).toBe(0);
  });

  it('creates a workspace on a plan whose keys get that plan', { timeout: 180_000 }, async () => {
    const dataDir = makeDataDir();
    const server = await startParley(dataDir);

    const workspace = await runCliJson<CliWorkspace>(dataDir, [
      'workspaces',
      'create',
      '--name',
      'Acme',
      '--plan',
      'free',
      '--json',
    ]);
    expect(workspace).toMatchObject({ name: 'Acme', plan: 'free', is_default: false });
    expect(workspace.id).toMatch(/^ws_/);

    // Through bin/parley.js, as an installed `parley` command runs; on an older system Node when
    // there is one, so that its re-run on Node 24 is exercised too.
    const key = await runCliJson<CreatedCliKey>(
      dataDir,
      ['keys', 'create', '--workspace', workspace.id, '--name', 'acme', '--json'],
      { command: [OLD_SYSTEM_NODE ?? NODE, BIN] },
    );
    expect(key.workspace_id).toBe(workspace.id);
    const seen = await getWorkspace(server.url, key.key);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({
      id: workspace.id,
      name: 'Acme',
      plan: 'free',
      environment: 'live',
      rate_limit: { requests_per_minute: 60 },
      quota: { messages_per_month: 100 },
    });
    // The default workspace's keys are unaffected.
    const bannerLive = server.banner.keys[0]!.secret;
    expect((await getWorkspace(server.url, bannerLive)).body).toMatchObject({ plan: 'enterprise' });

    const acmeKeys = await runCliJson<CliKeyList>(dataDir, [
      'keys',
      'list',
      '--workspace',
      workspace.id,
      '--json',
    ]);
    expect(acmeKeys.workspace_id).toBe(workspace.id);
    expect(acmeKeys.keys.map((k) => k.id)).toEqual([key.id]);

    const all = await runCliJson<{ data: CliWorkspace[] }>(dataDir, ['workspaces', 'list', '--json']);
    expect(all.data.map((w) => [w.name, w.plan, w.is_default]).sort()).toEqual([
      ['Acme', 'free', false],
      ['Default workspace', 'enterprise', true],
    ]);
  });

  it('rejects bad input with a clear message and changes nothing', { timeout: 180_000 }, async () => {
    const dataDir = makeDataDir();
    const server = await startParley(dataDir);

    const badEnv = await runCli(dataDir, ['keys', 'create', '--name', 'x', '--env', 'prod']);
    expect(badEnv.code, badEnv.describe()).toBeGreaterThan(0);
    // Names the option and what it accepts.
    expect(badEnv.stderr).toMatch(/env/i);
    expect(badEnv.stderr).toMatch(/live.{1,10}test/);
    expect(badEnv.stderr).not.toMatch(STACK_TRACE_LINE);
    expect(badEnv.stdout).not.toContain('prl_');

    const badPlan = await runCli(dataDir, ['workspaces', 'create', '--name', 'x', '--plan', 'gold']);
    expect(badPlan.code, badPlan.describe()).toBeGreaterThan(0);
    expect(badPlan.stderr).toContain("Unknown plan 'gold'");
    expect(badPlan.stderr).toMatch(/free, pro, enterprise/);
    expect(badPlan.stderr).not.toMatch(STACK_TRACE_LINE);
    expect(badPlan.stdout).toBe('');

    // A well-formed id of no key.
    const noSuchKey = `key_${(await runCliJson<{ data: CliWorkspace[] }>(dataDir, ['workspaces', 'list', '--json'])).data[0]!.id.slice(3)}`;
    const badRevoke = await runCli(dataDir, ['keys', 'revoke', noSuchKey]);
    expect(badRevoke.code, badRevoke.describe()).toBeGreaterThan(0);
    expect(badRevoke.stderr).toContain(`No API key found with id '${noSuchKey}'`);
    expect(badRevoke.stderr).not.toMatch(STACK_TRACE_LINE);

    const keys = await runCliJson<CliKeyList>(dataDir, ['keys', 'list', '--json']);
    expect(keys.keys.map((key) => key.name).sort()).toEqual(['Default live key', 'Default test key']);
    expect(keys.keys.every((key) => key.status === 'active')).toBe(true);
    const workspaces = await runCliJson<{ data: CliWorkspace[] }>(dataDir, ['workspaces', 'list', '--json']);
    expect(workspaces.data.map((w) => w.name)).toEqual(['Default workspace']);
    expect(server.process.exit).toBeNull();
  });
});

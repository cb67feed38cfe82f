// The operator CLI with no server running: it opens the data directory itself (taking its
// lock), and the server started afterwards sees what it changed.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getWorkspace } from './http-helpers.ts';
import { lockFilePath } from './lock-file.ts';
import {
  type CliKey,
  type CliWorkspace,
  type CreatedCliKey,
  makeDataDir,
  runCli,
  runCliJson,
  STACK_TRACE_LINE,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

describe('parley CLI with no server running', () => {
  it('works on an empty data directory and between server runs; the server sees its changes', {
    timeout: 240_000,
  }, async () => {
    const dataDir = makeDataDir();

    // Before the server ever ran: the CLI creates the embedded database itself. (Logs, such as the
    // warning about the generated secret key, must not get into the JSON on stdout.)
    const workspace = await runCliJson<CliWorkspace>(dataDir, [
      'workspaces',
      'create',
      '--name',
      'Beta',
      '--plan',
      'pro',
      '--json',
    ]);
    expect(workspace).toMatchObject({ name: 'Beta', plan: 'pro', is_default: false });
    const betaKey = await runCliJson<CreatedCliKey>(dataDir, [
      'keys',
      'create',
      '--workspace',
      workspace.id,
      '--env',
      'test',
      '--name',
      'beta',
      '--json',
    ]);
    expect(betaKey).toMatchObject({ workspace_id: workspace.id, environment: 'test', status: 'active' });
    expect(betaKey.key).toMatch(/^prl_test_/);
    const badPlan = await runCli(dataDir, ['workspaces', 'create', '--name', 'Gold', '--plan', 'gold']);
    expect(badPlan.code, badPlan.describe()).toBeGreaterThan(0);
    expect(badPlan.stderr).toContain("Unknown plan 'gold'");
    expect(badPlan.stderr).not.toMatch(STACK_TRACE_LINE);
    // Every CLI run gave the directory back, failed or not.
    expect(existsSync(lockFilePath(dataDir))).toBe(false);

    // The server's first start still creates the default workspace and shows its keys.
    const first = await startParley(dataDir);
    expect(first.banner.keys.map((key) => key.environment)).toEqual(['live', 'test']);
    const bannerLive = first.banner.keys[0]!.secret;
    const defaultWorkspaceId = (await getWorkspace(first.url, bannerLive)).body.id as string;
    const beta = await getWorkspace(first.url, betaKey.key);
    expect(beta.status).toBe(200);
    expect(beta.body).toMatchObject({
      id: workspace.id,
      name: 'Beta',
      plan: 'pro',
      environment: 'test',
      rate_limit: { requests_per_minute: 300 },
    });
    expect((await stopParley(first)).code).toBe(0);

    // Between two runs of the server; a key in a seed product's format works on every API.
    const created = await runCliJson<CreatedCliKey>(dataDir, [
      'keys',
      'create',
      '--name',
      'offline',
      '--format',
      'chatsby',
      '--json',
    ]);
    expect(created).toMatchObject({ name: 'offline', environment: 'live', workspace_id: defaultWorkspaceId });
    expect(created.key).toMatch(/^chtb_live_/);
    const badFormat = await runCli(dataDir, ['keys', 'create', '--name', 'x', '--format', 'acme']);
    expect(badFormat.code, badFormat.describe()).toBeGreaterThan(0);
    expect(badFormat.stderr).toContain('parley, insitechat, sitegist, chatsby');
    const revoked = await runCliJson<CliKey>(dataDir, ['keys', 'revoke', betaKey.id, '--json']);
    expect(revoked).toMatchObject({ id: betaKey.id, status: 'revoked' });
    expect(existsSync(lockFilePath(dataDir))).toBe(false);

    const second = await startParley(dataDir);
    expect(second.banner.keys).toEqual([]);
    const offline = await getWorkspace(second.url, created.key);
    expect(offline.status).toBe(200);
    expect(offline.body).toMatchObject({ id: defaultWorkspaceId, environment: 'live', plan: 'enterprise' });
    const revokedBeta = await getWorkspace(second.url, betaKey.key);
    expect(revokedBeta.status).toBe(401);
    expect(revokedBeta.body.error.code).toBe('api_key_revoked');
    expect((await getWorkspace(second.url, bannerLive)).status).toBe(200);

    const workspaces = await runCliJson<{ data: CliWorkspace[] }>(dataDir, ['workspaces', 'list', '--json']);
    expect(workspaces.data.map((w) => w.name).sort()).toEqual(['Beta', 'Default workspace']);
    expect((await stopParley(second)).code).toBe(0);
  });
});

// `parley users create`: the first owner of the default workspace, through the running server;
// an invitation link that works over HTTP, and a person who signs in with the password given.
import { describe, expect, it } from 'vitest';
import {
  makeDataDir,
  runCli,
  runCliJson,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

// A PostgreSQL database keeps earlier runs' people: this run's addresses are its own.
const run = `${Date.now().toString(36)}${process.pid}`;
const bossEmail = `Boss-${run}@Example.com`;
const agentEmail = `agent-${run}@example.com`;

interface CliUser {
  id: string;
  email: string;
  role: string;
  status: string;
  workspace_id: string;
  invitation: { url: string; token: string } | null;
}

async function post(url: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), cookie: response.headers.get('set-cookie') };
}

describe('parley users create', () => {
  it('adds the first owner with an invitation link, and an agent with a password', {
    timeout: 240_000,
  }, async () => {
    const dataDir = makeDataDir();
    const server = await startParley(dataDir);
    expect(server.banner.text).toContain('users create --email you@example.com --role owner');

    const owner = await runCliJson<CliUser>(dataDir, [
      'users',
      'create',
      '--email',
      bossEmail,
      '--role',
      'owner',
      '--json',
    ]);
    expect(owner).toMatchObject({ email: bossEmail.toLowerCase(), role: 'owner', status: 'invited' });
    // The link names the running server, whose port the system chose.
    expect(owner.invitation!.url.startsWith(`${server.url}/app/accept-invite?token=`)).toBe(true);
    const accepted = await post(`${server.url}/v1/invitations/accept`, {
      token: owner.invitation!.token,
      password: 'the owner password',
    });
    expect(accepted.status).toBe(201);
    expect(accepted.body.user.status).toBe('active');
    expect(accepted.cookie).toContain('HttpOnly');

    const agent = await runCli(dataDir, [
      'users',
      'create',
      '--email',
      agentEmail,
      '--role',
      'agent',
      '--password',
      'the agent password',
    ]);
    expect(agent.code, agent.describe()).toBe(0);
    expect(agent.stdout).toContain(`Added agent ${agentEmail}`);
    const signedIn = await post(`${server.url}/v1/sessions`, {
      email: agentEmail,
      password: 'the agent password',
    });
    expect(signedIn.status).toBe(201);
    expect(signedIn.body.workspace.id).toBe(owner.workspace_id);

    const refused = await runCli(dataDir, ['users', 'create', '--email', agentEmail, '--role', 'admin']);
    expect(refused.code).toBeGreaterThan(0);
    expect(refused.stderr).toContain('already in this workspace');
    const badRole = await runCli(dataDir, ['users', 'create', '--email', 'x@example.com', '--role', 'boss']);
    expect(badRole.code).toBeGreaterThan(0);
    await stopParley(server);
  });
});

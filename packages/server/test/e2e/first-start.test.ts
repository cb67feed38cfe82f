// First start on an empty data directory: the default workspace and its two keys are created
// and shown once, with the console's address and the first owner's one-time link; a later start
// shows no keys and no link (the workspace has its owner), and the old keys still work.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, getWorkspace } from './http-helpers.ts';
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
    expect(first.banner.text).toContain(`Console: ${first.url}/app`);

    // The first owner's link: who opens it names themselves and is the owner, signed in; once.
    const link = /^ {2}First owner: (\S+)$/m.exec(first.banner.text)?.[1];
    expect(link).toMatch(new RegExp(`^${first.url}/app/setup\\?token=\\S+$`));
    const token = new URL(link!).searchParams.get('token')!;
    const forgedLink = await api(first.url, '/v1/first-owner', {
      method: 'POST',
      body: { token: `${token.slice(0, -4)}AAAA`, email: 'mallory@example.com', password: 'a long password' },
    });
    expect(forgedLink.status).toBe(400);
    expect(forgedLink.body.error.code).toBe('invalid_token');
    // Two people open it at once: one becomes the owner, the other is told the link is used.
    const opened = await Promise.all(
      ['owner@example.com', 'second@example.com'].map((email) =>
        fetch(`${first.url}/v1/first-owner`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token, email, name: 'Olga Owner', password: 'the owner password' }),
        }),
      ),
    );
    expect(opened.map((response) => response.status).sort()).toEqual([201, 400]);
    const winner = opened.find((response) => response.status === 201)!;
    const session = await winner.json();
    expect(session.user).toMatchObject({ name: 'Olga Owner', role: 'owner', status: 'active' });
    expect(winner.headers.get('set-cookie')).toMatch(/^parley_session=.*HttpOnly/);
    const people = await api(first.url, '/v1/users', { key: live });
    expect(people.body.data.map((person: { email: string }) => person.email)).toEqual([session.user.email]);
    const again = await api(first.url, '/v1/first-owner', {
      method: 'POST',
      body: { token, email: 'late@example.com', password: 'a long password' },
    });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('invalid_token');
    const signIn = await api(first.url, '/v1/sessions', {
      method: 'POST',
      body: { email: session.user.email, password: 'the owner password' },
    });
    expect(signIn.status).toBe(201);

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
    expect(second.banner.text).not.toContain('First owner');
    expect(second.process.stdout).not.toContain('/app/setup');
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

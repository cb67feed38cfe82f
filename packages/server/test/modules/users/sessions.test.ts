// People and sessions through the API: sign-in cookies, CSRF, invitations, password resets,
// signing out here and everywhere, and who may manage people.
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { type Person, personClient } from '../../helpers/people.ts';
import { startTestApp } from '../../helpers/test-app.ts';

const t = await startTestApp();
afterAll(() => t.close());

const PASSWORD = 'correct horse battery';
// Addresses of this run: a PostgreSQL database keeps earlier runs' people.
const run = `${Date.now().toString(36)}${process.pid}`;
const address = (name: string) => `${name}-${run}@example.com`;
const people = personClient(t);

describe('signing in', () => {
  it('sets an HTTP-only, SameSite=Lax session cookie and answers the CSRF token', async () => {
    const ws = await buildWorkspace(t.context);
    await people.create(ws.id, {
      email: address('Owner').replace('example', 'Example'),
      role: 'owner',
      password: PASSWORD,
    });
    const response = await people.signIn(address('owner'), PASSWORD);
    expect(response.statusCode, response.body).toBe(201);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^parley_session=[\w-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');
    // Plain HTTP here: a Secure cookie would never come back.
    expect(cookie).not.toContain('Secure');
    const body = response.json();
    expect(body.user).toMatchObject({ email: address('owner'), role: 'owner', status: 'active' });
    expect(body.environment).toBe('live');
    expect(body.csrf_token).toMatch(/^[\w-]{40,}$/);
    expect(body.user).not.toHaveProperty('password_hash');
  });

  it('limits sign-in attempts per client address, right password or not', async () => {
    const ws = await buildWorkspace(t.context);
    await people.create(ws.id, { email: address('limited'), role: 'agent', password: PASSWORD });
    // Its own client address: Redis keeps counts between runs.
    const limitedAddress = `2001:db8::${(Date.now() & 0xffff).toString(16)}:${(process.pid & 0xffff).toString(16)}`;
    const attempt = (password: string) =>
      people.post('/v1/sessions', { email: address('limited'), password }, limitedAddress);
    for (let i = 0; i < 10; i++) expect((await attempt('wrong password!')).statusCode).toBe(401);
    const limited = await attempt(PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.headers['set-cookie']).toBeUndefined();
    expect((await people.signIn(address('limited'), PASSWORD)).statusCode).toBe(201);
  });

  it('answers a wrong password and an unknown address alike, with no cookie', async () => {
    const ws = await buildWorkspace(t.context);
    await people.create(ws.id, { email: address('agent'), role: 'agent', password: PASSWORD });
    for (const body of [
      { email: address('agent'), password: 'wrong password!' },
      { email: 'nobody@example.com', password: PASSWORD },
    ]) {
      const response = await people.post('/v1/sessions', body);
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('invalid_credentials');
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a too-short password when adding someone, changing nothing', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const response = await owner.call('PATCH', '/v1/me', { password: 'short', current_password: PASSWORD });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.param).toBe('password');
    expect((await people.signIn(owner.email, PASSWORD)).statusCode).toBe(201);
  });
});

describe('a session', () => {
  it('reads /v1/me and the workspace’s data of its environment', async () => {
    const ws = await buildWorkspace(t.context);
    const agent = await people.signedIn(ws.id, 'agent');
    const me = await agent.call('GET', '/v1/me');
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().user.email).toBe(agent.email);
    expect((await agent.call('GET', '/v1/chatbots')).statusCode).toBe(200);
  });

  it('refuses an unsafe request without the CSRF token, or with another session’s', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const other = await people.signedIn(ws.id, 'admin');
    for (const token of [undefined, other.csrf, `${owner.csrf}x`]) {
      const response = await owner.call('POST', '/v1/chatbots', { name: 'Forged' }, { csrf: token ?? null });
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json().error.code).toBe('csrf_token_invalid');
    }
    const list = await owner.call('GET', '/v1/chatbots');
    expect(list.json().data).toEqual([]);
    expect((await owner.call('POST', '/v1/chatbots', { name: 'Real' })).statusCode).toBe(201);
  });

  it('switches to the test environment, whose data the live session does not see', async () => {
    const ws = await buildWorkspace(t.context);
    const admin = await people.signedIn(ws.id, 'admin');
    await admin.call('POST', '/v1/chatbots', { name: 'Live bot' });
    const switched = await admin.call('PATCH', '/v1/sessions/current', { environment: 'test' });
    expect(switched.json().environment).toBe('test');
    expect((await admin.call('GET', '/v1/chatbots')).json().data).toEqual([]);
  });

  it('is not an API key: API keys get 403 on routes about the signed-in person', async () => {
    const ws = await buildWorkspace(t.context);
    const response = await t.request({ url: '/v1/me', key: ws.liveKey });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('session_required');
  });
});

describe('signing out', () => {
  it('ends this session and clears the cookie; the old cookie no longer works', async () => {
    const ws = await buildWorkspace(t.context);
    const agent = await people.signedIn(ws.id, 'agent');
    const out = await agent.call('DELETE', '/v1/sessions/current');
    expect(out.statusCode, out.body).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/parley_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await agent.call('GET', '/v1/me');
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('session_expired');
  });

  it('everywhere ends every session of the person, not other people’s', async () => {
    const ws = await buildWorkspace(t.context);
    const phone = await people.signedIn(ws.id, 'agent');
    const laptop = await people.session(phone.email, PASSWORD);
    const colleague = await people.signedIn(ws.id, 'agent');
    const out = await laptop.call('DELETE', '/v1/sessions');
    expect(out.json()).toEqual({ signed_out: 2 });
    expect((await phone.call('GET', '/v1/me')).statusCode).toBe(401);
    expect((await laptop.call('GET', '/v1/me')).statusCode).toBe(401);
    expect((await colleague.call('GET', '/v1/me')).statusCode).toBe(200);
  });
});

describe('invitations', () => {
  it('an owner invites; the link sets a password once and signs the person in', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const invited = await owner.call('POST', '/v1/users', { email: address('new'), role: 'agent' });
    expect(invited.statusCode, invited.body).toBe(201);
    const { invitation, ...user } = invited.json();
    expect(user).toMatchObject({ email: address('new'), role: 'agent', status: 'invited' });
    expect(invitation.url).toBe(`http://localhost/app/accept-invite?token=${invitation.token}`);
    // No password yet: nothing signs in.
    expect((await people.signIn(address('new'), PASSWORD)).statusCode).toBe(401);

    const accept = { token: invitation.token, password: PASSWORD, name: 'New Agent' };
    const accepted = await people.post('/v1/invitations/accept', accept);
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json().user).toMatchObject({ name: 'New Agent', status: 'active' });
    expect(String(accepted.headers['set-cookie'])).toContain('parley_session=');

    const again = await people.post('/v1/invitations/accept', { ...accept, password: 'another password' });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('invalid_token');
    expect((await people.signIn(address('new'), PASSWORD)).statusCode).toBe(201);
    expect((await people.signIn(address('new'), 'another password')).statusCode).toBe(401);
  });

  it('refuses a second person with the same address in one workspace', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const again = await owner.call('POST', '/v1/users', { email: owner.email.toUpperCase(), role: 'agent' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('user_exists');
  });
});

describe('password reset', () => {
  it('works once, ends every session of the person, and the old password stops working', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const agent = await people.signedIn(ws.id, 'agent');
    const link = (await owner.call('POST', `/v1/users/${agent.id}/password-reset`)).json();
    expect(link.url).toContain('/app/reset-password?token=');
    const body = { token: link.token, password: 'a brand new password' };
    const reset = await people.post('/v1/password-resets/confirm', body);
    expect(reset.statusCode, reset.body).toBe(201);
    expect((await agent.call('GET', '/v1/me')).statusCode).toBe(401);
    expect((await people.signIn(agent.email, PASSWORD)).statusCode).toBe(401);
    expect((await people.signIn(agent.email, 'a brand new password')).statusCode).toBe(201);
    const twice = await people.post('/v1/password-resets/confirm', body);
    expect(twice.json().error.code).toBe('invalid_token');
  });

  it('refuses an expired link and one replaced by a newer link', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const agent = await people.signedIn(ws.id, 'agent');
    const first = (await owner.call('POST', `/v1/users/${agent.id}/password-reset`)).json();
    const second = (await owner.call('POST', `/v1/users/${agent.id}/password-reset`)).json();
    const replaced = await people.post('/v1/password-resets/confirm', {
      token: first.token,
      password: 'a brand new password',
    });
    expect(replaced.json().error.code).toBe('invalid_token');
    // An hour later:
    await t.context.db.orm.execute(
      sql`UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE user_id = ${decodeId('usr', agent.id, 'id')}`,
    );
    const expired = await people.post('/v1/password-resets/confirm', {
      token: second.token,
      password: 'a brand new password',
    });
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error.code).toBe('invalid_token');
    expect((await agent.call('GET', '/v1/me')).statusCode).toBe(200);
  });
});

describe('managing people', () => {
  it('only owners invite, change and remove people; agents list them and set their own availability', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const admin = await people.signedIn(ws.id, 'admin');
    const agent: Person = await people.signedIn(ws.id, 'agent');
    for (const who of [admin, agent]) {
      const refused = await who.call('POST', '/v1/users', { email: 'x@example.com', role: 'owner' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('insufficient_role');
      expect((await who.call('PATCH', `/v1/users/${who.id}`, { role: 'owner' })).statusCode).toBe(403);
    }
    expect((await agent.call('GET', '/v1/users')).json().data).toHaveLength(3);
    const me = await agent.call('PATCH', '/v1/me', { availability: 'online' });
    expect(me.json().user.availability).toBe('online');
    const promoted = await owner.call('PATCH', `/v1/users/${agent.id}`, { role: 'admin', capacity: 8 });
    expect(promoted.json()).toMatchObject({ role: 'admin', capacity: 8 });
    const removed = await owner.call('DELETE', `/v1/users/${admin.id}`);
    expect(removed.statusCode).toBe(200);
    expect((await admin.call('GET', '/v1/me')).statusCode).toBe(401);
  });

  it('keeps one owner: the last owner can be neither demoted nor removed', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const demoted = await owner.call('PATCH', `/v1/users/${owner.id}`, { role: 'agent' });
    expect(demoted.statusCode).toBe(409);
    expect(demoted.json().error.code).toBe('last_owner');
    expect((await owner.call('DELETE', `/v1/users/${owner.id}`)).json().error.code).toBe('last_owner');
    expect((await owner.call('GET', '/v1/me')).json().user.role).toBe('owner');
  });

  it('keeps people to their workspace', async () => {
    const a = await buildWorkspace(t.context);
    const b = await buildWorkspace(t.context);
    const ownerA = await people.signedIn(a.id, 'owner');
    const agentB = await people.signedIn(b.id, 'agent');
    expect((await ownerA.call('GET', `/v1/users/${agentB.id}`)).statusCode).toBe(404);
    expect((await ownerA.call('DELETE', `/v1/users/${agentB.id}`)).statusCode).toBe(404);
    const list = await t.request({ url: '/v1/users', key: a.liveKey });
    expect(list.body).not.toContain(agentB.id);
    expect((await agentB.call('GET', '/v1/me')).statusCode).toBe(200);
  });
});

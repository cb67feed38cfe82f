// Roles × routes, generated from /v1/openapi.json: every authenticated operation states the roles
// that may call it (x-roles), and a session of each role is let through or refused with 403
// insufficient_role accordingly; refused requests change nothing; an unsafe request without
// the session's CSRF token is refused. An operation added later without x-roles fails here.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../fakes/fake-telegram.ts';
import { startWebhookReceiver } from '../fakes/webhook-receiver.ts';
import { type ApiOperation, fillPath, loadOperations, sampleOf, seedTenant } from '../helpers/api-surface.ts';
import { buildWorkspace } from '../helpers/factories.ts';
import { PASSWORD, type Person, personClient, type Role } from '../helpers/people.ts';
import { startTestApp } from '../helpers/test-app.ts';

const receiver = await startWebhookReceiver();
const telegram = await startFakeTelegram();
const t = await startTestApp({
  PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
  PARLEY_MAX_API_KEYS: '50',
  PARLEY_TELEGRAM_API_URL: telegram.url,
});
afterAll(async () => {
  await t.close();
  await receiver.close();
  await telegram.close();
});

const ROLES: Role[] = ['owner', 'admin', 'agent'];
const people = personClient(t);
const workspace = await buildWorkspace(t.context);
const rows = await seedTenant(t, workspace.liveKey, {
  webhookUrl: receiver.url,
  llmBaseUrl: 'http://127.0.0.1:9/v1',
});
const sessions: Record<Role, Person> = {
  owner: await people.signedIn(workspace.id, 'owner'),
  admin: await people.signedIn(workspace.id, 'admin'),
  agent: await people.signedIn(workspace.id, 'agent'),
};

/** People whose sessions sign-out calls end (each call signs one of them in afresh). */
const leaving: Record<Role, Person> = {
  owner: await people.signedIn(workspace.id, 'owner'),
  admin: await people.signedIn(workspace.id, 'admin'),
  agent: await people.signedIn(workspace.id, 'agent'),
};

const operations = await loadOperations(t);
const authenticated = operations.filter((operation) => operation.security?.length);
const rolesOf = (operation: ApiOperation) => operation.roles;

/** Operations whose success is an endless event stream. */
const LIVE_STREAMS = new Set([
  'streamConversationEvents',
  'streamMyNotifications',
  'streamAgentLoopExecution',
]);
/** Operations that end the session calling them: each allowed call gets a session of its own. */
const ENDS_SESSION = new Set(['signOut', 'signOutEverywhere']);
const SAFE = new Set(['GET', 'HEAD']);

/** Valid bodies where a generated one would be refused for reasons other than the role. */
const BODIES: Record<string, unknown> = {
  createWebhook: { url: receiver.url, events: ['*'] },
  updateWebhook: { description: 'Renamed' },
  assignConversation: { user_id: null },
  renderCannedReply: { conversation_id: rows.conversation },
};
const validBody = (operation: ApiOperation) =>
  operation.operationId in BODIES
    ? BODIES[operation.operationId]
    : operation.body
      ? sampleOf(operation.body)
      : undefined;
const ownPath = (operation: ApiOperation) => fillPath(operation, (kind) => rows[kind]);
/** A path whose ids are malformed: an admitted request stops at them (400) and changes nothing. */
const harmlessPath = (operation: ApiOperation) => fillPath(operation, () => 'x_not-an-id');

/** What an owner's key sees of the workspace, to check that refused requests changed nothing. */
async function workspaceView(): Promise<string> {
  const views: string[] = [];
  for (const operation of authenticated) {
    if (operation.method !== 'GET' || LIVE_STREAMS.has(operation.operationId)) continue;
    if (operation.operationId === 'getMe') continue;
    const response = await t.request({ url: ownPath(operation), key: workspace.liveKey });
    views.push(
      `${operation.operationId} ${response.statusCode} ${response.body.replace(/"last_(used|seen)_at":"[^"]*"/g, '')}`,
    );
  }
  return views.join('\n');
}

describe('every authenticated operation', () => {
  it('states the roles that may call it', () => {
    const missing = authenticated
      .filter((operation) => {
        const roles = rolesOf(operation);
        return !roles?.length || roles.some((role) => !ROLES.includes(role));
      })
      .map((operation) => `${operation.operationId} (${operation.method} ${operation.path})`);
    expect(missing).toEqual([]);
    expect(authenticated.length).toBeGreaterThan(50);
  });

  it('lets owners call everything', () => {
    for (const operation of authenticated)
      expect(rolesOf(operation), operation.operationId).toContain('owner');
  });
});

const before = await workspaceView();

describe.each(
  authenticated.map((operation) => [`${operation.method} ${operation.path}`, operation] as const),
)('%s', (_name, operation) => {
  const allowed = rolesOf(operation) ?? [];
  it.each(ROLES)('answers a session of role %s as its x-roles say', async (role) => {
    if (!allowed.includes(role)) {
      // A request the handler would accept, refused for the role alone.
      const response = await sessions[role].call(operation.method, ownPath(operation), validBody(operation));
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json().error).toMatchObject({ type: 'permission_error', code: 'insufficient_role' });
      return;
    }
    const session = ENDS_SESSION.has(operation.operationId)
      ? await people.session(leaving[role].email, PASSWORD)
      : sessions[role];
    // Admitted: a read of the workspace's own rows, or a write that stops at its malformed ids or
    // body after the role check, so that it changes nothing.
    const read = SAFE.has(operation.method) && !LIVE_STREAMS.has(operation.operationId);
    // A live stream without ids in its path stops at a malformed query instead of staying open.
    const url = read
      ? ownPath(operation)
      : LIVE_STREAMS.has(operation.operationId) && operation.pathParams.length === 0
        ? `${operation.path}?user_id=not-an-id`
        : harmlessPath(operation);
    const body = read || !operation.body ? undefined : 'not an object';
    const response = await session.call(operation.method, url, body);
    expect([401, 403], `${response.statusCode} ${response.body}`).not.toContain(response.statusCode);
    expect(response.statusCode, response.body).toBeLessThan(500);
    if (read) expect(response.statusCode, response.body).toBe(200);
  });

  if (!SAFE.has(operation.method)) {
    it('refuses the owner’s session without its CSRF token', async () => {
      const response = await sessions.owner.call(operation.method, ownPath(operation), validBody(operation), {
        csrf: null,
      });
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json().error.code).toBe('csrf_token_invalid');
    });
  }
});

describe('API keys', () => {
  it('keep full access: the live key reads every list', async () => {
    for (const operation of authenticated) {
      if (operation.method !== 'GET' || operation.pathParams.length || operation.operationId === 'getMe')
        continue;
      if (LIVE_STREAMS.has(operation.operationId)) continue;
      const response = await t.request({ url: operation.path, key: workspace.liveKey });
      expect(response.statusCode, `${operation.operationId}: ${response.body}`).toBe(200);
    }
  });
});

describe('outside /v1', () => {
  it('a session cookie opens neither the widget’s nor the compatibility APIs', async () => {
    const { cookie } = sessions.owner;
    for (const url of ['/compat/insitechat/api/v1/chatbots', '/compat/sitegist/api/v1/chatbots']) {
      const response = await t.request({ url, headers: { cookie } });
      expect(response.statusCode, `${url}: ${response.body}`).toBe(401);
    }
    const widget = await t.request({
      url: `/public/v1/chatbots/${rows.chatbot}/conversations/${rows.conversation}/messages`,
      headers: { cookie },
    });
    expect(widget.statusCode).toBe(403);
  });
});

describe('after every refused request', () => {
  it('the workspace is as it was', async () => {
    expect(await workspaceView()).toEqual(before);
  });
});

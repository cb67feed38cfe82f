// Security of every operation in /v1/openapi.json, generated from the document itself: each
// authenticated operation refuses a missing, malformed or revoked key with 401, and answers 404
// to another workspace's key and to the other environment's key for the caller's resources;
// lists never show another tenant's rows. The widget's public operations are listed here with
// their own rules. An operation that is neither authenticated nor on that list, or whose path
// parameter names a resource these tests cannot make, fails the suite.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../fakes/fake-telegram.ts';
import { startWebhookReceiver } from '../fakes/webhook-receiver.ts';
import {
  type ApiOperation,
  FIXTURE_BOT_TOKEN,
  fillPath,
  kindOfParam,
  loadOperations,
  sampleOf,
  seedTenant,
  type TenantResources,
  WIDGET_SITE,
  WORKSPACE_WIDE_KINDS,
} from '../helpers/api-surface.ts';
import { buildWorkspace } from '../helpers/factories.ts';
import { startTestApp } from '../helpers/test-app.ts';
import { type PublicRequest, widgetClient } from '../helpers/widget-client.ts';

const receiver = await startWebhookReceiver();
const telegram = await startFakeTelegram();
const t = await startTestApp({
  PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
  PARLEY_MAX_API_KEYS: '20',
  PARLEY_TELEGRAM_API_URL: telegram.url,
  // Channels take webhooks, so the Telegram webhook route has a secret to refuse.
  PARLEY_PUBLIC_URL: 'https://parley.example.com',
});
afterAll(async () => {
  await t.close();
  await receiver.close();
  await telegram.close();
});

// Nothing calls the provider here: every request below is refused before it would.
const options = { webhookUrl: receiver.url, llmBaseUrl: 'http://127.0.0.1:9/v1' };
const a = await buildWorkspace(t.context);
const b = await buildWorkspace(t.context);
const tenants = {
  'workspace A, live': { key: a.liveKey, rows: await seedTenant(t, a.liveKey, options) },
  'workspace A, test': { key: a.testKey, rows: await seedTenant(t, a.testKey, options) },
  'workspace B, live': { key: b.liveKey, rows: await seedTenant(t, b.liveKey, options) },
};
const owner = tenants['workspace A, live'];

// A key that worked (so it sits in the key cache) and was then revoked.
const revokedKey = await (async () => {
  const created = await t.request({
    method: 'POST',
    url: '/v1/api-keys',
    key: a.liveKey,
    body: { name: 'Old' },
  });
  const { id, key } = created.json();
  expect((await t.request({ url: '/v1/workspace', key })).statusCode).toBe(200);
  expect((await t.request({ method: 'DELETE', url: `/v1/api-keys/${id}`, key: a.liveKey })).statusCode).toBe(
    200,
  );
  return key as string;
})();

const operations = await loadOperations(t);
const authenticated = operations.filter((operation) => operation.security?.length);

/** Valid bodies where a generated one would be refused for reasons other than the key. */
const BODIES: Record<string, unknown> = {
  createWebhook: { url: receiver.url, events: ['*'] },
  updateWebhook: { description: 'Renamed' },
  // Email and phone are each optional, and one of them is required.
  captureLead: { email: 'visitor@example.com' },
  assignConversation: { user_id: null },
  renderCannedReply: { conversation_id: owner.rows.conversation },
  createIntegration: {
    provider: 'openai',
    model: 'gpt-4o-mini',
    api_key: 'sk-other',
    base_url: options.llmBaseUrl,
  },
  createAgentLoop: {
    name: 'Another loop',
    chatbot_id: owner.rows.chatbot,
    instructions: 'Work.',
    tools: ['finish'],
    trigger: { type: 'manual' },
  },
};
/** Operations whose body names the owner's resource: to anyone else it does not exist (404). */
const OWNER_IDS_IN_BODY = new Set(['createAgentLoop']);
function bodyFor(operation: ApiOperation): unknown {
  if (operation.operationId in BODIES) return BODIES[operation.operationId];
  return operation.body ? sampleOf(operation.body) : undefined;
}

/** Operations whose success is an endless event stream: never called with a key that works. */
const LIVE_STREAMS = new Set([
  'streamConversationEvents',
  'widgetEvents',
  'streamMyNotifications',
  'streamAgentLoopExecution',
]);

/** Operations about the signed-in person: an API key has none, and gets 403 session_required. */
const SESSION_ONLY = new Set([
  'getMe',
  'updateMe',
  'updateSession',
  'signOut',
  'signOutEverywhere',
  'markConversationRead',
]);

function idsOf(rows: TenantResources, options: { workspaceWide?: boolean } = {}): string[] {
  return Object.entries(rows)
    .filter(([kind]) => options.workspaceWide !== false || !WORKSPACE_WIDE_KINDS.has(kind as never))
    .map(([, value]) => value)
    .filter((value): value is string => typeof value === 'string');
}
const workspaceOf = (name: string) => name.split(',')[0];
/** Other tenants' ids; people of the same workspace (both environments see them) are not others'. */
function othersIds(name: keyof typeof tenants): string[] {
  return Object.entries(tenants).flatMap(([other, tenant]) =>
    other === name ? [] : idsOf(tenant.rows, { workspaceWide: workspaceOf(other) !== workspaceOf(name) }),
  );
}
/** True when the operation's path names a resource that belongs to the workspace, not an environment. */
function namesWorkspaceWide(operation: ApiOperation): boolean {
  return operation.pathParams.some((param) => WORKSPACE_WIDE_KINDS.has(kindOfParam(operation, param)));
}

/** What the owner sees of its resources, to check that refused requests changed nothing. */
async function ownerView(): Promise<Record<string, string>> {
  const view: Record<string, string> = {};
  for (const operation of authenticated) {
    if (operation.method !== 'GET' || LIVE_STREAMS.has(operation.operationId)) continue;
    if (SESSION_ONLY.has(operation.operationId)) continue;
    // The workspace's people: the test key of the same workspace adds to them, as it may.
    if (operation.path === '/v1/users') continue;
    // Records of background work (deliveries, loop executions) move on by themselves while the
    // workers run; the refused requests' own effects on them are tested with their routes.
    if (/\/(deliveries|executions)$|^\/v1\/agent-loop-executions\//.test(operation.path)) continue;
    const url = fillPath(operation, (kind) => owner.rows[kind]);
    const response = await t.request({ url, key: owner.key });
    // Key use times move with every request; they are not the resources.
    view[url] = `${response.statusCode} ${response.body.replace(/"last_used_at":"[^"]*"/g, '')}`;
  }
  return view;
}
describe('the operation list', () => {
  it('holds only authenticated operations and the public ones listed here, all with known path ids', () => {
    const problems: string[] = [];
    for (const operation of operations) {
      const name = `${operation.operationId} (${operation.method} ${operation.path})`;
      const isPublic = operation.operationId in PUBLIC_CASES;
      if (isPublic && JSON.stringify(operation.security) !== '[]')
        problems.push(`${name} is listed as public but needs a key`);
      // Every other operation takes an API key (and, when it states roles, a session too).
      const takesKey = (operation.security ?? []).some(
        (requirement) => JSON.stringify(requirement) === '{"bearerAuth":[]}',
      );
      if (!isPublic && !takesKey) {
        problems.push(`${name} takes no API key and is not on the public list of this test`);
      }
      for (const param of operation.pathParams) {
        try {
          kindOfParam(operation, param);
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
    }
    const documented = new Set(operations.map((operation) => operation.operationId));
    for (const id of Object.keys(PUBLIC_CASES))
      if (!documented.has(id)) problems.push(`${id} is not in the document`);
    expect(problems).toEqual([]);
    expect(authenticated.length).toBeGreaterThan(40);
  });
});

const BAD_KEYS: [string, Record<string, string>][] = [
  ['no key', {}],
  ['a header that is not Bearer', { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' }],
  ['a malformed key', { authorization: 'Bearer not-a-parley-key' }],
  ['an unknown key', { authorization: `Bearer prl_live_${'0'.repeat(40)}` }],
  ['a revoked key', { authorization: `Bearer ${revokedKey}` }],
];

describe.each(
  authenticated.map((operation) => [`${operation.method} ${operation.path}`, operation] as const),
)('%s', (_name, operation) => {
  const url = fillPath(operation, (kind) => owner.rows[kind]);
  const body = bodyFor(operation);
  const send = (headers: Record<string, string>, key?: string) =>
    t.request({ method: operation.method, url, key, body, headers });

  it.each(BAD_KEYS)('answers 401 to %s', async (_label, headers) => {
    const response = await send(headers);
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json().error.type).toBe('authentication_error');
  });

  // People belong to the workspace: the other environment's key of the same workspace sees them.
  const strangers = namesWorkspaceWide(operation)
    ? (['workspace B, live'] as const)
    : (['workspace B, live', 'workspace A, test'] as const);
  it.each(strangers)('keeps the owner’s rows from %s', async (name) => {
    const response = await send({}, tenants[name].key);
    if (operation.operationId === 'streamMyNotifications') {
      // A key names the person to follow; without one there is nothing to open.
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.param).toBe('user_id');
      return;
    }
    if (SESSION_ONLY.has(operation.operationId)) {
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json().error.code).toBe('session_required');
    } else if (operation.pathParams.length > 0 || OWNER_IDS_IN_BODY.has(operation.operationId)) {
      // The path names the owner's resource: to anyone else it does not exist.
      expect(response.statusCode, response.body).toBe(404);
      expect(response.json().error.type).toBe('not_found_error');
    } else {
      expect(response.statusCode, response.body).toBeLessThan(300);
      const sameWorkspace = workspaceOf(name) === workspaceOf('workspace A, live');
      for (const id of idsOf(owner.rows, { workspaceWide: !sameWorkspace })) {
        expect(response.body).not.toContain(id);
      }
    }
  });
});

describe('lists', () => {
  const lists = authenticated.filter(
    (operation) =>
      operation.method === 'GET' &&
      operation.pathParams.length === 0 &&
      !LIVE_STREAMS.has(operation.operationId) &&
      !SESSION_ONLY.has(operation.operationId),
  );
  it.each(Object.keys(tenants) as (keyof typeof tenants)[])(
    'show %s its own rows and nobody else’s',
    async (name) => {
      expect(lists.length).toBeGreaterThan(5);
      for (const operation of lists) {
        const response = await t.request({ url: operation.path, key: tenants[name].key });
        expect(response.statusCode, `${operation.operationId}: ${response.body}`).toBe(200);
        for (const id of othersIds(name)) expect(response.body, operation.operationId).not.toContain(id);
        const data = response.headers['content-type']?.startsWith('application/json')
          ? response.json().data
          : undefined;
        if (Array.isArray(data)) expect(data.length, operation.operationId).toBeGreaterThan(0);
      }
    },
  );
});

// The widget's API takes no key: the bot's allowed origins and the visitor's conversation token
// guard it. Each public operation states what it refuses, here.
const { pub, chat } = widgetClient(t, WIDGET_SITE);
const visitor = await chat(owner.rows.chatbot, { message: 'Hello there' });
const otherVisitor = await chat(owner.rows.chatbot, { message: 'Hi' });
const widgetMessage = (
  await pub({
    url: `/public/v1/chatbots/${owner.rows.chatbot}/conversations/${visitor.conversationId}/messages`,
    token: visitor.token,
  })
).json().data[1].id as string;

interface PublicCase {
  name: string;
  request: Omit<PublicRequest, 'url' | 'method'> & { chatbot?: string; channel?: string };
  status: number;
}

const SOMEWHERE_ELSE = 'https://elsewhere.example.net';
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
/** All fixture channels share one token: the fake keeps the webhook of the last, workspace B's. */
const otherChannelSecret = telegram.webhookOf(FIXTURE_BOT_TOKEN)!.secret_token;
const originCases: PublicCase[] = [
  { name: 'a request from no web page', request: { origin: null }, status: 403 },
  { name: 'a site the bot does not allow', request: { origin: SOMEWHERE_ELSE }, status: 403 },
  {
    name: 'an API key from a site the bot does not allow',
    request: { origin: SOMEWHERE_ELSE, token: a.liveKey },
    status: 403,
  },
];
/** `otherBot`: what a bot of another workspace answers (feedback looks the message up first). */
const tokenCases = (otherBot = 401): PublicCase[] => [
  ...originCases,
  { name: 'no conversation token', request: {}, status: 401 },
  { name: 'an API key instead of the token', request: { token: a.liveKey }, status: 401 },
  { name: 'the token of another conversation', request: { token: otherVisitor.token }, status: 401 },
  {
    name: 'the token, through another workspace’s bot',
    request: { token: visitor.token, chatbot: tenants['workspace B, live'].rows.chatbot },
    status: otherBot,
  },
];

/** Signing in and redeeming links take no key: they refuse what is not a person's own secret. */
const signInCases = (status: number): PublicCase[] => [
  { name: 'a wrong secret', request: {}, status },
  { name: 'an API key instead', request: { token: a.liveKey }, status },
];
const PUBLIC_CASES: Record<string, { body?: unknown; cases: PublicCase[] }> = {
  signIn: { body: { email: 'nobody@example.com', password: 'not the password' }, cases: signInCases(401) },
  acceptInvitation: { body: { token: 'not-a-token', password: 'a long password' }, cases: signInCases(400) },
  createFirstOwner: {
    body: { token: 'not-a-token', email: 'first@example.com', password: 'a long password' },
    cases: signInCases(400),
  },
  confirmPasswordReset: {
    body: { token: 'not-a-token', password: 'a long password' },
    cases: signInCases(400),
  },
  widgetConfig: { cases: [...originCases, { name: 'the bot’s own site', request: {}, status: 200 }] },
  widgetChat: {
    body: { message: 'More please', conversation_id: visitor.conversationId },
    cases: tokenCases(),
  },
  widgetMessages: { cases: tokenCases() },
  widgetEvents: { cases: tokenCases() },
  widgetEscalate: { body: {}, cases: tokenCases() },
  widgetRating: { body: { rating: 5 }, cases: tokenCases() },
  widgetTyping: { body: {}, cases: tokenCases() },
  widgetLead: {
    body: { email: 'visitor@example.com', conversation_id: visitor.conversationId },
    cases: tokenCases(),
  },
  widgetFeedback: { body: { message_id: widgetMessage, rating: 'down' }, cases: tokenCases(404) },
  // Telegram's calls carry the secret Parley gave it with setWebhook, and nothing else.
  telegramWebhook: {
    body: {
      update_id: 1,
      message: { message_id: 1, date: 0, chat: { id: 9, type: 'private' }, from: { id: 9 }, text: 'Hi' },
    },
    cases: [
      { name: 'no secret', request: { origin: null }, status: 403 },
      { name: 'a wrong secret', request: { headers: { [SECRET_HEADER]: 'wrong' } }, status: 403 },
      { name: 'an API key instead of the secret', request: { token: a.liveKey }, status: 403 },
      {
        name: 'the secret of another workspace’s channel',
        request: { headers: { [SECRET_HEADER]: otherChannelSecret } },
        status: 403,
      },
      {
        name: 'that channel’s own secret, on that channel',
        request: {
          channel: tenants['workspace B, live'].rows.channel,
          headers: { [SECRET_HEADER]: otherChannelSecret },
        },
        status: 200,
      },
    ],
  },
  // Slack, WhatsApp and custom channels' calls carry a signature of the body made with the
  // channel's secret; the fixture channel is a Telegram one, so even its secret is refused.
  slackEvents: {
    body: { type: 'event_callback', event_id: 'Ev1', event: { type: 'message', text: 'Hi' } },
    cases: [
      { name: 'no signature', request: { origin: null }, status: 403 },
      { name: 'an API key instead of the signature', request: { token: a.liveKey }, status: 403 },
      {
        name: 'a Telegram channel’s secret',
        request: { headers: { [SECRET_HEADER]: otherChannelSecret } },
        status: 403,
      },
    ],
  },
  whatsappVerify: {
    cases: [
      { name: 'no verify token', request: { origin: null }, status: 403 },
      { name: 'an API key instead of the verify token', request: { token: a.liveKey }, status: 403 },
    ],
  },
  whatsappWebhook: {
    body: { object: 'whatsapp_business_account', entry: [] },
    cases: [
      { name: 'no signature', request: { origin: null }, status: 403 },
      { name: 'an API key instead of the signature', request: { token: a.liveKey }, status: 403 },
    ],
  },
  emailInbound: {
    body: { FromFull: { Email: 'someone@example.com' }, Subject: 'Hi', TextBody: 'Hi' },
    cases: [
      { name: 'no signature', request: { origin: null }, status: 403 },
      { name: 'an API key instead of the signature', request: { token: a.liveKey }, status: 403 },
    ],
  },
  customChannelMessage: {
    body: { thread_id: 'thread-1', text: 'Hi' },
    cases: [
      { name: 'no signature', request: { origin: null }, status: 403 },
      { name: 'an API key instead of the signature', request: { token: a.liveKey }, status: 403 },
    ],
  },
};
// Taken after the widget visitors above, which are the owner's own activity.
const before = await ownerView();

describe.each(
  operations
    .filter((operation) => operation.operationId in PUBLIC_CASES)
    .map((o) => [o.operationId, o] as const),
)('public %s', (operationId, operation) => {
  const { body, cases } = PUBLIC_CASES[operationId]!;
  it.each(cases.map((c) => [c.name, c] as const))(
    'answers %s as documented',
    async (_name, { request, status }) => {
      const { chatbot = owner.rows.chatbot, channel = owner.rows.channel, ...rest } = request;
      const url = fillPath(operation, (kind) =>
        kind === 'chatbot' ? chatbot : kind === 'channel' ? channel : visitor.conversationId,
      );
      const response = await pub({ method: operation.method as 'GET' | 'POST', url, body, ...rest });
      expect(response.statusCode, response.body).toBe(status);
    },
  );
});

describe('health', () => {
  it.each(['/healthz', '/readyz'])('%s answers without a key', async (url) => {
    expect((await t.request({ url })).statusCode).toBe(200);
  });
});

describe('after every refused request', () => {
  it('the owner’s resources are as they were', async () => {
    expect(await ownerView()).toEqual(before);
  });
});

// The widget's public API through the app on a real database: allowed origins and CORS,
// conversation tokens, history, per-address and per-conversation limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { visitorIp, widgetClient } from '../../helpers/widget-client.ts';

const SITE = 'https://shop.example.com';

let t: TestApp;
let ws: TestWorkspace;
let bot: string;
let pub: ReturnType<typeof widgetClient>['pub'];
let chat: ReturnType<typeof widgetClient>['chat'];

beforeAll(async () => {
  t = await startTestApp(
    { PARLEY_PUBLIC_RATE_LIMIT_IP: '25', PARLEY_PUBLIC_RATE_LIMIT_VISITOR: '4' },
    { workers: true },
  );
  ({ pub, chat } = widgetClient(t, SITE));
  ws = await buildWorkspace(t.context);
  bot = (
    await createTrainedBot(t, ws.liveKey, {
      widget_settings: {
        allowed_origins: [SITE, 'https://*.example.org'],
        title: 'Acme help',
        starter_questions: ['How do refunds work?'],
      },
      handoff_settings: { enabled: true },
    })
  ).id;
});
afterAll(async () => {
  await t?.close();
});

describe('allowed origins', () => {
  it('gives the widget settings to an allowed origin, with CORS for it', async () => {
    const response = await pub({ url: `/public/v1/chatbots/${bot}/config` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(SITE);
    expect(response.json()).toMatchObject({
      chatbot_id: bot,
      title: 'Acme help',
      starter_questions: ['How do refunds work?'],
      position: 'bottom-right',
      lead_form: false,
      handoff: true,
      identity_verification: false,
    });
    // Internal settings stay private.
    expect(response.body).not.toContain('allowed_origins');
    expect(response.body).not.toContain('system_prompt');
  });

  it('accepts subdomains of a wildcard entry, not the bare domain', async () => {
    const sub = await pub({ url: `/public/v1/chatbots/${bot}/config`, origin: 'https://help.example.org' });
    expect(sub.statusCode).toBe(200);
    const bare = await pub({ url: `/public/v1/chatbots/${bot}/config`, origin: 'https://example.org' });
    expect(bare.statusCode).toBe(403);
  });

  it('refuses other sites, requests without an origin, and a bot with no allowed origins', async () => {
    const other = await pub({ url: `/public/v1/chatbots/${bot}/config`, origin: 'https://evil.example.net' });
    expect(other.statusCode).toBe(403);
    expect(other.json().error).toMatchObject({ type: 'permission_error', code: 'origin_not_allowed' });
    expect(other.json().error.message).toContain('https://evil.example.net');
    // No CORS for a refused origin: the page there cannot read even the refusal.
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const none = await pub({ url: `/public/v1/chatbots/${bot}/config`, origin: null });
    expect(none.statusCode).toBe(403);

    const fresh = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: ws.liveKey,
      body: { name: 'Closed' },
    });
    const closed = await pub({ url: `/public/v1/chatbots/${fresh.json().id}/config` });
    expect(closed.statusCode).toBe(403);
    expect(closed.json().error.code).toBe('origin_not_allowed');
  });

  it('stores nothing for a chat from a site that is not allowed', async () => {
    const before = await t.request({
      url: `/v1/conversations?chatbot_id=${bot}&page_size=100`,
      key: ws.liveKey,
    });
    const response = await pub({
      method: 'POST',
      url: `/public/v1/chatbots/${bot}/chat`,
      origin: 'https://evil.example.net',
      body: { message: 'How long do I have to ask for a refund?' },
    });
    expect(response.statusCode).toBe(403);
    const after = await t.request({
      url: `/v1/conversations?chatbot_id=${bot}&page_size=100`,
      key: ws.liveKey,
    });
    expect(after.json().data.length).toBe(before.json().data.length);
  });

  it('answers the preflight for allowed origins only', async () => {
    const allowed = await pub({
      method: 'OPTIONS',
      url: `/public/v1/chatbots/${bot}/chat`,
      headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(SITE);
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('Authorization');
    const refused = await pub({
      method: 'OPTIONS',
      url: `/public/v1/chatbots/${bot}/chat`,
      origin: 'https://evil.example.net',
      headers: { 'access-control-request-method': 'POST' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 404 for an unknown chatbot', async () => {
    const response = await pub({ url: '/public/v1/chatbots/bot_01jdz6qg0ef8s9cm8y0d7sv9k2/config' });
    expect(response.statusCode).toBe(404);
  });
});

describe('chat and conversation tokens', () => {
  it('streams a grounded answer and hands the visitor a token for their conversation', async () => {
    const { response, events, conversationId, token } = await chat(bot, {
      message: 'How long do I have to ask for a refund?',
      visitor: { id: 'anon-1' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/event-stream');
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['conversation', 'delta', 'sources', 'done']),
    );
    expect(events[0]!.event).toBe('conversation');
    expect(events.at(-1)!.event).toBe('done');
    expect(conversationId).toMatch(/^conv_/);
    expect(token.split('.')).toHaveLength(3);
    const done = events.at(-1)!.data.message as Record<string, unknown>;
    expect(done.role).toBe('assistant');
    expect(done.content).toContain('30 days');
    expect(done.sources).toEqual(
      expect.arrayContaining([expect.objectContaining({ title: 'Refund policy' })]),
    );
    // Only what a visitor needs: no model, usage or internal metadata.
    expect(Object.keys(done).sort()).toEqual([
      'author_name',
      'content',
      'created_at',
      'feedback',
      'id',
      'role',
      'sources',
    ]);

    // The team sees it in the inbox, as a widget conversation.
    const inbox = await t.request({ url: `/v1/conversations/${conversationId}`, key: ws.liveKey });
    expect(inbox.json()).toMatchObject({
      channel: 'widget',
      visitor_id: 'anon-1',
      verified: false,
      message_count: 2,
    });
  });

  it('needs the token to continue a conversation, and refuses another conversation’s token', async () => {
    const first = await chat(bot, { message: 'How much is shipping?' });
    const other = await chat(bot, { message: 'Do you have a phone number?' });

    const without = await chat(bot, { message: 'And express?', conversation_id: first.conversationId });
    expect(without.response.statusCode).toBe(401);
    expect(without.response.json().error.code).toBe('missing_conversation_token');

    const wrong = await chat(
      bot,
      { message: 'And express?', conversation_id: first.conversationId },
      other.token,
    );
    expect(wrong.response.statusCode).toBe(401);
    expect(wrong.response.json().error.code).toBe('invalid_conversation_token');

    const forged = await chat(
      bot,
      { message: 'And express?', conversation_id: first.conversationId },
      `${first.token}x`,
    );
    expect(forged.response.statusCode).toBe(401);

    const right = await chat(
      bot,
      { message: 'And express delivery?', conversation_id: first.conversationId },
      first.token,
    );
    expect(right.response.statusCode).toBe(200);
    expect(right.conversationId).toBe(first.conversationId);

    const inbox = await t.request({ url: `/v1/conversations/${first.conversationId}`, key: ws.liveKey });
    expect(inbox.json().message_count).toBe(4);
  });

  it('shows a visitor their history with their token, and nobody else', async () => {
    const mine = await chat(bot, { message: 'How do I reset my password?' });
    const theirs = await chat(bot, { message: 'How much is shipping?' });
    const url = `/public/v1/chatbots/${bot}/conversations/${mine.conversationId}/messages`;

    const history = await pub({ url, token: mine.token });
    expect(history.statusCode).toBe(200);
    expect(history.json().conversation).toEqual({
      id: mine.conversationId,
      status: 'open',
      mode: 'ai',
      verified: false,
      rated: false,
    });
    expect(history.json().data.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(history.json().data[0].content).toBe('How do I reset my password?');

    expect((await pub({ url })).statusCode).toBe(401);
    expect((await pub({ url, token: theirs.token })).statusCode).toBe(401);
    // A token is also bound to its chatbot.
    const otherBot = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: ws.liveKey,
      body: { name: 'Other', widget_settings: { allowed_origins: [SITE] } },
    });
    const crossBot = await pub({
      url: `/public/v1/chatbots/${otherBot.json().id}/conversations/${mine.conversationId}/messages`,
      token: mine.token,
    });
    expect(crossBot.statusCode).toBe(401);
  });

  it('limits the messages of one conversation a minute, with Retry-After', async () => {
    const first = await chat(bot, { message: 'How much is shipping?' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const next = await chat(
        bot,
        { message: 'And express?', conversation_id: first.conversationId },
        first.token,
      );
      statuses.push(next.response.statusCode);
      if (next.response.statusCode === 429) {
        expect(next.response.json().error.code).toBe('rate_limit_exceeded');
        expect(Number(next.response.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    // The limit is 4 messages a minute in one conversation, its first message included.
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('limits requests per address across the public API', async () => {
    const ip = visitorIp();
    const statuses: number[] = [];
    for (let i = 0; i < 27; i += 1) {
      statuses.push((await pub({ url: `/public/v1/chatbots/${bot}/config`, ip })).statusCode);
    }
    expect(statuses.slice(0, 25).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(25)).toEqual([429, 429]);
    // The page can read the 429, to say so rather than that the site is refused; a preflight of
    // the same address still passes, so the request after it gets that readable 429.
    const limited = await pub({ url: `/public/v1/chatbots/${bot}/config`, ip });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['access-control-allow-origin']).toBe(SITE);
    expect(limited.headers.vary).toContain('Origin');
    expect(limited.headers['access-control-expose-headers']).toContain('Retry-After');
    const preflight = await pub({
      method: 'OPTIONS',
      url: `/public/v1/chatbots/${bot}/chat`,
      ip,
      headers: { 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    // Another visitor is not held back.
    expect((await pub({ url: `/public/v1/chatbots/${bot}/config` })).statusCode).toBe(200);
  });

  it('counts requests from sites the bot refuses apart, and lets them read nothing', async () => {
    const ip = visitorIp();
    const fromElsewhere = () =>
      pub({ url: `/public/v1/chatbots/${bot}/config`, ip, origin: 'https://evil.example' });
    const statuses: number[] = [];
    for (let i = 0; i < 26; i += 1) statuses.push((await fromElsewhere()).statusCode);
    expect(statuses.slice(0, 25).every((status) => status === 403)).toBe(true);
    const limited = await fromElsewhere();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['access-control-allow-origin']).toBeUndefined();
    // The site that embeds the bot, from the same address, still has its whole budget.
    const allowed = await pub({ url: `/public/v1/chatbots/${bot}/config`, ip });
    expect(allowed.statusCode).toBe(200);
  });

  it('limits new conversations per address and chatbot, not across chatbots', async () => {
    const other = (await createTrainedBot(t, ws.liveKey, { widget_settings: { allowed_origins: [SITE] } }))
      .id;
    const ip = visitorIp();
    const start = (botId: string) =>
      pub({ method: 'POST', url: `/public/v1/chatbots/${botId}/chat`, body: { message: 'Hello' }, ip });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await start(bot)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const refused = await start(bot);
    expect(refused.json().error.message).toMatch(/^Too many new conversations from this address\./);
    expect((await start(other)).statusCode).toBe(200);
  });
});

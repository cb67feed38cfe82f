// Identity verification and live delivery to the widget: a signed visitor is verified, a forged
// claim is ignored, and an agent's reply reaches the visitor's event stream over real HTTP.
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityHash, identityVerified } from '../../../src/modules/widget/identity.ts';
import { originAllowed } from '../../../src/modules/widget/widget-origins.ts';
import { createTrainedBot, parseEvents } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

const SITE = 'http://localhost:3000';

let t: TestApp;
let ws: TestWorkspace;
let bot: string;
let base: string;

beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ws = await buildWorkspace(t.context);
  bot = (
    await createTrainedBot(t, ws.liveKey, {
      widget_settings: { allowed_origins: [SITE] },
      handoff_settings: { enabled: true },
    })
  ).id;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t?.close();
});

async function chat(body: Record<string, unknown>, token?: string) {
  const response = await fetch(`${base}/public/v1/chatbots/${bot}/chat`, {
    method: 'POST',
    headers: {
      origin: SITE,
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  const events = parseEvents(await response.text());
  return {
    events,
    conversationId: events[0]!.data.conversation_id as string,
    token: events[0]!.data.conversation_token as string,
  };
}

describe('origin matching', () => {
  it('matches scheme, host and port exactly, and wildcard subdomains', () => {
    expect(originAllowed('https://www.example.com', ['https://www.example.com'])).toBe(true);
    expect(originAllowed('https://WWW.example.com:443', ['https://www.example.com'])).toBe(true);
    expect(originAllowed('http://www.example.com', ['https://www.example.com'])).toBe(false);
    expect(originAllowed('https://www.example.com:8443', ['https://www.example.com'])).toBe(false);
    expect(originAllowed('https://a.b.example.com', ['https://*.example.com'])).toBe(true);
    expect(originAllowed('https://example.com', ['https://*.example.com'])).toBe(false);
    expect(originAllowed('https://evilexample.com', ['https://*.example.com'])).toBe(false);
    expect(originAllowed('https://example.com.evil.net', ['https://*.example.com'])).toBe(false);
    expect(originAllowed('null', ['https://www.example.com'])).toBe(false);
    expect(originAllowed('https://www.example.com', [])).toBe(false);
  });
});

describe('identity verification', () => {
  it('signs the user id, or the user id and email, as documented', () => {
    const secret = 'idsec_test';
    const expected = createHmac('sha256', secret).update('42\nana@example.com').digest('hex');
    expect(identityHash(secret, { user_id: '42', email: 'ana@example.com' })).toBe(expected);
    expect(identityVerified(secret, { user_id: '42', email: 'ana@example.com', user_hash: expected })).toBe(
      true,
    );
    expect(identityVerified(secret, { user_id: '42', email: 'eve@example.com', user_hash: expected })).toBe(
      false,
    );
    expect(identityVerified(secret, { user_id: '42', user_hash: 'zz' })).toBe(false);
  });

  it('marks a signed visitor verified with their email, and ignores a forged claim', async () => {
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/identity-secret`,
      key: ws.liveKey,
    });
    expect(created.statusCode).toBe(200);
    const secret = created.json().identity_secret as string;
    expect(secret).toMatch(/^idsec_/);
    const shown = await t.request({ url: `/v1/chatbots/${bot}`, key: ws.liveKey });
    expect(shown.json().identity_verification).toBe(true);
    expect(shown.body).not.toContain(secret);
    // Another workspace cannot set this bot's secret.
    const stranger = await buildWorkspace(t.context);
    const foreign = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/identity-secret`,
      key: stranger.liveKey,
    });
    expect(foreign.statusCode).toBe(404);

    const signed = await chat({
      message: 'How much is shipping?',
      identity: {
        user_id: 'user-42',
        email: 'ana@example.com',
        name: 'Ana',
        user_hash: identityHash(secret, { user_id: 'user-42', email: 'ana@example.com' }),
      },
    });
    const verified = await t.request({ url: `/v1/conversations/${signed.conversationId}`, key: ws.liveKey });
    expect(verified.json()).toMatchObject({
      verified: true,
      visitor_id: 'user-42',
      customer_email: 'ana@example.com',
      customer_name: 'Ana',
    });

    // On a shared browser the next person holds Ana's token: neither another signed-in user nor
    // an anonymous visitor may go on in her conversation, or be filed under it.
    const bob = {
      user_id: 'user-77',
      email: 'bob@example.com',
      name: 'Bob',
      user_hash: identityHash(secret, { user_id: 'user-77', email: 'bob@example.com' }),
    };
    for (const identity of [bob, undefined]) {
      const takeover = await fetch(`${base}/public/v1/chatbots/${bot}/chat`, {
        method: 'POST',
        headers: {
          origin: SITE,
          'content-type': 'application/json',
          authorization: `Bearer ${signed.token}`,
        },
        body: JSON.stringify({ message: 'bob here', conversation_id: signed.conversationId, identity }),
      });
      expect(takeover.status).toBe(403);
      expect((await takeover.json()).error.code).toBe('conversation_of_another_visitor');
    }
    const still = await t.request({ url: `/v1/conversations/${signed.conversationId}`, key: ws.liveKey });
    expect(still.json()).toMatchObject({
      visitor_id: 'user-42',
      customer_email: 'ana@example.com',
      message_count: 2,
    });
    // Ana herself goes on.
    const again = await chat(
      {
        message: 'And to Iceland?',
        conversation_id: signed.conversationId,
        identity: {
          user_id: 'user-42',
          email: 'ana@example.com',
          user_hash: identityHash(secret, { user_id: 'user-42', email: 'ana@example.com' }),
        },
      },
      signed.token,
    );
    expect(again.conversationId).toBe(signed.conversationId);

    const forged = await chat({
      message: 'How much is shipping?',
      identity: { user_id: 'user-42', email: 'ana@example.com', user_hash: 'a'.repeat(64) },
    });
    const anonymous = await t.request({ url: `/v1/conversations/${forged.conversationId}`, key: ws.liveKey });
    expect(anonymous.json()).toMatchObject({ verified: false, visitor_id: null, customer_email: null });

    const removed = await t.request({
      method: 'DELETE',
      url: `/v1/chatbots/${bot}/identity-secret`,
      key: ws.liveKey,
    });
    expect(removed.statusCode).toBe(200);
    const config = await fetch(`${base}/public/v1/chatbots/${bot}/config`, { headers: { origin: SITE } });
    expect((await config.json()).identity_verification).toBe(false);
  });
});

describe('live delivery to the widget', () => {
  it('streams an agent reply to the visitor, shown as the widget shows messages', async () => {
    const first = await chat({ message: 'How much is shipping?' });
    const controller = new AbortController();
    const stream = await fetch(
      `${base}/public/v1/chatbots/${bot}/conversations/${first.conversationId}/events?token=${first.token}`,
      { headers: { origin: SITE }, signal: controller.signal },
    );
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('event: conversation');

    const posted = await t.request({
      method: 'POST',
      url: `/v1/conversations/${first.conversationId}/messages`,
      key: ws.liveKey,
      body: { content: 'Hi, Sam here from support.', author_name: 'Sam' },
    });
    expect(posted.statusCode).toBe(201);
    await readUntil('Sam here');
    controller.abort();

    const events = parseEvents(text.slice(0, text.lastIndexOf('\n\n') + 2));
    // A fresh stream first replays the conversation so far: nothing stored while the widget
    // loaded its history is missed.
    expect(events.filter((e) => e.event === 'message').map((e) => e.data.role)).toEqual([
      'user',
      'assistant',
      'agent',
    ]);
    const state = events.find((e) => e.event === 'conversation')!.data;
    expect(Object.keys(state).sort()).toEqual(['id', 'mode', 'rated', 'status', 'verified']);
    const agent = events.find((e) => e.event === 'message' && e.data.role === 'agent')!.data;
    expect(agent).toMatchObject({ content: 'Hi, Sam here from support.', author_name: 'Sam', sources: [] });
    expect(agent).not.toHaveProperty('model');

    const refused = await fetch(
      `${base}/public/v1/chatbots/${bot}/conversations/${first.conversationId}/events`,
      {
        headers: { origin: SITE },
      },
    );
    expect(refused.status).toBe(401);
  });
});

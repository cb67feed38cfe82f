// Two `parley serve` processes on one PostgreSQL database, as in a scale-out deployment: a
// visitor's live stream on one node receives the agent's reply posted through the other.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventReader } from '../helpers/event-reader.ts';
import { api } from './http-helpers.ts';
import {
  makeDataDir,
  type RunningParley,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

const ADMIN_URL = process.env.PARLEY_E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `parley_e2e_live_${process.pid}_${Date.now()}`;
let admin: pg.Client;
let databaseUrl: string;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  databaseUrl = url.toString();
});
afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

/** Reads server-sent events until one satisfies `wanted`, or the time is up. */
async function waitForEvent(
  response: Response,
  wanted: (event: { event: string; data: Record<string, unknown> }) => boolean,
  timeoutMs: number,
) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const timer = setTimeout(() => reader.cancel(), timeoutMs);
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return null;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!name || !data) continue;
        const event = { event: name, data: JSON.parse(data) as Record<string, unknown> };
        if (wanted(event)) return event;
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
}

describe('live conversation events across processes', () => {
  it('an agent reply posted through one node reaches the stream held by another', {
    timeout: 240_000,
  }, async () => {
    // Both nodes share PostgreSQL and Redis, as a scale-out deployment does.
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      PARLEY_JOB_SCHEMA: 'pgboss_live',
    };
    const first: RunningParley = await startParley(makeDataDir(), { env });
    const second: RunningParley = await startParley(makeDataDir(), { env, args: ['--no-workers'] });
    try {
      const key = first.banner.keys.find((entry) => entry.environment === 'live')!.secret;
      const bot = await api(first.url, '/v1/chatbots', { key, method: 'POST', body: { name: 'Support' } });
      expect(bot.status).toBe(201);
      const asked = await api(first.url, `/v1/chatbots/${bot.body.id}/chat`, {
        key,
        method: 'POST',
        body: { message: 'I want to talk to a human', visitor: { email: 'ana@example.com' } },
      });
      expect(asked.status).toBe(202);
      const conversationId = asked.body.conversation_id as string;

      const stream = await fetch(`${first.url}/v1/conversations/${conversationId}/events`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(stream.status).toBe(200);
      const arrival = waitForEvent(
        stream,
        (event) => event.event === 'message' && event.data.role === 'agent',
        30_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const posted = await api(second.url, `/v1/conversations/${conversationId}/messages`, {
        key,
        method: 'POST',
        body: { content: 'Hi Ana, Sam here. How can I help?', author_name: 'Sam' },
      });
      expect(posted.status).toBe(201);
      const received = await arrival;
      expect(received?.data).toMatchObject({
        id: posted.body.id,
        content: 'Hi Ana, Sam here. How can I help?',
        author_name: 'Sam',
      });

      // Typing is never stored: only the notice carries it from one node to the other.
      const watching = await openEventReader(`${first.url}/v1/conversations/${conversationId}/events`, {
        authorization: `Bearer ${key}`,
      });
      // Subscribed once its first state has arrived.
      await watching.next((event) => event.event === 'conversation', 30_000);
      const typing = await api(second.url, `/v1/conversations/${conversationId}/typing`, {
        key,
        method: 'POST',
        body: { author_name: 'Sam' },
      });
      expect(typing.status).toBe(202);
      const typingSeen = await watching.next((event) => event.event === 'typing', 30_000);
      watching.close();
      expect(typingSeen.data).toEqual({
        from: 'agent',
        user_id: null,
        name: 'Sam',
        private_note: false,
        typing: true,
      });
    } finally {
      await stopParley(second);
      await stopParley(first);
    }
  });
});

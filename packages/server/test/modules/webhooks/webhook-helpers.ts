// Requests the webhook tests share.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect } from 'vitest';
import { createSafeFetch } from '../../../src/lib/safe-fetch.ts';
import { createWebhookDelivery } from '../../../src/modules/webhooks/webhook-delivery.ts';
import { DEFAULT_RETRY_DELAYS_SECONDS } from '../../../src/modules/webhooks/webhook-retry.ts';
import type { TestApp } from '../../helpers/test-app.ts';

export async function createWebhook(
  t: TestApp,
  key: string,
  body: Record<string, unknown>,
): Promise<{ id: string; secret: string } & Record<string, unknown>> {
  const response = await t.request({ method: 'POST', url: '/v1/webhooks', key, body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

export async function listDeliveries(t: TestApp, key: string, webhookId: string, query = '') {
  const response = await t.request({
    url: `/v1/webhooks/${webhookId}/deliveries?page_size=100${query}`,
    key,
  });
  expect(response.statusCode, response.body).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: checked field by field in tests.
  return response.json().data as any[];
}

export async function getWebhook(t: TestApp, key: string, webhookId: string) {
  const response = await t.request({ url: `/v1/webhooks/${webhookId}`, key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export async function createBot(t: TestApp, key: string, name = 'Support bot'): Promise<string> {
  const response = await t.request({ method: 'POST', url: '/v1/chatbots', key, body: { name } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as string;
}

/** Captures a lead through the API (a `lead.captured` event); returns the lead as the API shows it. */
export async function captureLead(t: TestApp, key: string, botId: string, email: string) {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/leads`,
    key,
    body: { email },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** Polls until `check` holds (for work done by background jobs). */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * On a PostgreSQL server, a database of the file's own: the delivery engine works across tenants
 * (it dispatches every event of the database), so webhook test files must not share one.
 * On the embedded database every app has its own anyway.
 */
export async function isolatedDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { env: {}, drop: async () => {} };
  const name = `parley_wh_${randomBytes(5).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export interface Clock {
  now(): Date;
  advance(seconds: number): void;
}

/** A clock that stands still until told to move: schedules are tested without sleeping. */
export function makeClock(): Clock {
  let current = new Date();
  return {
    now: () => new Date(current),
    advance(seconds) {
      current = new Date(current.getTime() + seconds * 1000);
    },
  };
}

/** The product's delivery engine on the app's database, with the given clock. */
export function engineFor(
  t: TestApp,
  clock: Clock,
  options: { allowPrivateNetwork?: boolean; timeoutMs?: number } = {},
) {
  return createWebhookDelivery({
    db: t.context.db,
    logger: t.context.logger,
    jobs: t.context.queue,
    secretBox: t.context.secretBox,
    fetch: createSafeFetch({ allowPrivateNetwork: options.allowPrivateNetwork ?? true }),
    retryDelaysSeconds: DEFAULT_RETRY_DELAYS_SECONDS,
    timeoutMs: options.timeoutMs ?? 2000,
    now: clock.now,
  });
}

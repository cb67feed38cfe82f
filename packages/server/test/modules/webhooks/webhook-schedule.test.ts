// Delivery to a real local receiver, driven by an injected clock: the retry schedule, Retry-After,
// timeouts, which answers are retried, redirects, SSRF refusals, secret rotation, disabling after
// days of failures, and a sender that dies. The engine under test is the product's, on the app's
// database; what it did is read back through the API.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { claimDue } from '../../../src/modules/webhooks/delivery-repository.ts';
import { DEFAULT_RETRY_DELAYS_SECONDS } from '../../../src/modules/webhooks/webhook-retry.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../fakes/webhook-receiver.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import {
  type Clock,
  captureLead,
  createBot,
  createWebhook,
  engineFor,
  isolatedDatabase,
  listDeliveries,
  makeClock,
} from './webhook-helpers.ts';

const TIMEOUT_MS = 500;
let t: TestApp;
let dropDatabase: () => Promise<void>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  const database = await isolatedDatabase();
  dropDatabase = database.drop;
  // No workers: the test drives the engine itself, step by step.
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true', ...database.env });
});
afterAll(async () => {
  await t.close();
  await dropDatabase();
});
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

const makeEngine = (clock: Clock, options: { allowPrivateNetwork?: boolean } = {}) =>
  engineFor(t, clock, { timeoutMs: TIMEOUT_MS, ...options });

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver();
  receivers.push(started);
  return started;
}

/** A workspace with a bot and an endpoint for lead.captured at the receiver. */
async function setup(url: string, events: string[] = ['lead.captured']) {
  const ws = await buildWorkspace(t.context);
  const bot = await createBot(t, ws.liveKey);
  const webhook = await createWebhook(t, ws.liveKey, { url, events });
  let leads = 0;
  return {
    ws,
    key: ws.liveKey,
    bot,
    webhook,
    emit: () => {
      leads += 1;
      return captureLead(t, ws.liveKey, bot, `lead${leads}@example.com`);
    },
  };
}

/** The engine takes database ids. */
const uuid = (wireId: string) => decodeId('wh', wireId, 'id');
const seconds = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 1000;

describe('retry schedule', () => {
  it('retries 500s after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, never earlier, then gives up', async () => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    site.respond = () => ({ status: 500, body: 'database down' });
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    expect(await engine.dispatch()).toBe(1);
    expect(await engine.deliverDue(uuid(webhook.id))).toBe(1);
    for (const delay of DEFAULT_RETRY_DELAYS_SECONDS) {
      clock.advance(delay - 1);
      expect(await engine.deliverDue(uuid(webhook.id)), `${delay - 1} s after`).toBe(0);
      clock.advance(1);
      expect(await engine.deliverDue(uuid(webhook.id)), `${delay} s after`).toBe(1);
    }
    clock.advance(7 * 24 * 3600);
    expect(await engine.deliverDue(uuid(webhook.id))).toBe(0);

    const [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery).toMatchObject({ status: 'failed', next_attempt_at: null, event_type: 'lead.captured' });
    expect(delivery.attempts).toHaveLength(8);
    const gaps = delivery.attempts
      .slice(1)
      .map((attempt: { attempted_at: string }, i: number) =>
        seconds(delivery.attempts[i].attempted_at, attempt.attempted_at),
      );
    expect(gaps).toEqual(DEFAULT_RETRY_DELAYS_SECONDS);
    for (const attempt of delivery.attempts) {
      expect(attempt).toMatchObject({ status_code: 500, error: 'HTTP 500', response_body: 'database down' });
    }
    // Every attempt is the same message: one webhook-id, one body.
    expect(site.requests).toHaveLength(8);
    expect(new Set(site.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.event_id]));
    expect(new Set(site.requests.map((r) => r.body)).size).toBe(1);
  });

  it('shows the next attempt and waits at least as long as Retry-After asks', async () => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    await engine.dispatch();
    site.respond = () => ({ status: 429, headers: { 'retry-after': '120' } });
    const start = clock.now();
    await engine.deliverDue(uuid(webhook.id));
    let [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery).toMatchObject({
      status: 'pending',
      next_attempt_at: new Date(start.getTime() + 120_000).toISOString(),
    });

    clock.advance(120);
    const second = clock.now();
    site.respond = () => ({
      status: 503,
      headers: { 'retry-after': new Date(second.getTime() + 600_000).toUTCString() },
    });
    expect(await engine.deliverDue(uuid(webhook.id))).toBe(1);
    [delivery] = await listDeliveries(t, key, webhook.id);
    // The schedule says 5 min; the receiver asked for 10.
    expect(delivery.next_attempt_at).toBe(new Date(second.getTime() + 600_000).toISOString());

    clock.advance(600);
    site.respond = () => ({ status: 204 });
    expect(await engine.deliverDue(uuid(webhook.id))).toBe(1);
    [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery).toMatchObject({ status: 'succeeded', next_attempt_at: null });
    expect(delivery.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([429, 503, 204]);
  });

  it('retries a timeout, and the duplicate carries the same webhook-id and body', async () => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    await engine.dispatch();
    site.respond = (_request, index) => (index === 0 ? { hang: true } : { status: 200, body: 'thanks' });
    await engine.deliverDue(uuid(webhook.id));
    let [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery.status).toBe('pending');
    expect(delivery.attempts[0]).toMatchObject({
      status_code: null,
      error: `No answer within ${TIMEOUT_MS / 1000} s.`,
    });
    clock.advance(5);
    await engine.deliverDue(uuid(webhook.id));
    [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts[1]).toMatchObject({ status_code: 200, error: null, response_body: 'thanks' });
    expect(site.requests).toHaveLength(2);
    const [first, second] = site.requests;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    expect(Number(second!.headers['webhook-timestamp'])).toBe(
      Number(first!.headers['webhook-timestamp']) + 5,
    );
  });

  it('sends again at once when the connection is closed under the request', async () => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    site.respond = (_request, index) => (index === 0 ? { reset: true } : { status: 200 });
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    const [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: [{ status_code: 200 }] });
    expect(site.requests.map((r) => r.headers['webhook-id'])).toEqual([delivery.event_id, delivery.event_id]);
  });

  it('retries a refused connection', async () => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    const { key, webhook, emit } = await setup(site.url);
    await site.down();
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    const [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery).toMatchObject({ status: 'pending' });
    expect(delivery.attempts[0]).toMatchObject({
      status_code: null,
      error: expect.stringMatching(/^Could not connect: .*ECONNREFUSED/),
    });
  });

  it.each([
    [400, 'failed'],
    [401, 'failed'],
    [404, 'failed'],
    [410, 'failed'],
    [422, 'failed'],
    [408, 'pending'],
    [409, 'pending'],
    [425, 'pending'],
    [429, 'pending'],
    [500, 'pending'],
    [502, 'pending'],
  ])('after HTTP %i the delivery is %s', async (status, expected) => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    site.respond = () => ({ status, body: 'no' });
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    const [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery.status).toBe(expected);
    expect(delivery.next_attempt_at === null).toBe(expected === 'failed');
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ status_code: status, response_body: 'no' }),
    ]);
  });

  it('does not follow a redirect', async () => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    site.respond = () => ({ status: 302, headers: { location: `${site.url}/elsewhere` } });
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    const [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts[0].error).toContain('redirects are not followed');
    expect(site.requests.map((r) => r.path)).toEqual(['/hooks']);
  });

  it('keeps the first 1 KB of a response body', async () => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    site.respond = () => ({ status: 200, body: 'x'.repeat(5000) });
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    const [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery.attempts[0].response_body).toBe('x'.repeat(1024));
  });
});

describe('address checks at delivery time', () => {
  it('refuses a name that resolves to loopback, and a loopback address, without retrying', async () => {
    const clock = makeClock();
    // The API allowed these (this server allows private networks); the sender does not.
    const engine = makeEngine(clock, { allowPrivateNetwork: false });
    const site = await receiver();
    for (const url of [`http://localhost:${site.port}/hooks`, site.url]) {
      const { key, webhook, emit } = await setup(url);
      await emit();
      await engine.dispatch();
      await engine.deliverDue(uuid(webhook.id));
      const [delivery] = await listDeliveries(t, key, webhook.id);
      expect(delivery).toMatchObject({ status: 'failed', next_attempt_at: null });
      expect(delivery.attempts[0]).toMatchObject({
        status_code: null,
        error: expect.stringContaining('private and loopback addresses are not allowed'),
      });
    }
    expect(site.requests).toEqual([]);
  });
});

describe('endpoints and events', () => {
  it('delivers an event only to the enabled endpoints of its workspace and environment that want it', async () => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    const { ws, key, webhook, emit } = await setup(site.url, ['lead.captured']);
    const all = await createWebhook(t, key, { url: site.url, events: ['*'] });
    const other = await createWebhook(t, key, { url: site.url, events: ['source.trained', 'message.sent'] });
    const off = await createWebhook(t, key, { url: site.url, events: ['*'], enabled: false });
    const testEnv = await createWebhook(t, ws.testKey, { url: site.url, events: ['*'] });
    const foreign = await buildWorkspace(t.context);
    const foreignHook = await createWebhook(t, foreign.liveKey, { url: site.url, events: ['*'] });
    await emit();
    // Dispatching twice, or from two nodes at once, makes one delivery per event and endpoint.
    await Promise.all([engine.dispatch(), makeEngine(clock).dispatch()]);
    await engine.dispatch();
    expect(await listDeliveries(t, key, webhook.id)).toHaveLength(1);
    expect(await listDeliveries(t, key, all.id)).toHaveLength(1);
    expect(await listDeliveries(t, key, other.id)).toEqual([]);
    expect(await listDeliveries(t, key, off.id)).toEqual([]);
    expect(await listDeliveries(t, ws.testKey, testEnv.id)).toEqual([]);
    expect(await listDeliveries(t, foreign.liveKey, foreignHook.id)).toEqual([]);
  });

  it('sends again a delivery whose sender died, once its claim has run out', async () => {
    const clock = makeClock();
    const engine = makeEngine(clock);
    const site = await receiver();
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    await engine.dispatch();
    // A sender claims the delivery and dies before recording anything.
    const webhookUuid = uuid(webhook.id);
    const now = clock.now();
    expect(
      await claimDue(t.context.db.orm, webhookUuid, now, new Date(now.getTime() + 60_000), 10),
    ).toHaveLength(1);
    expect(await engine.deliverDue(uuid(webhook.id))).toBe(0);
    clock.advance(61);
    expect(await engine.deliverDue(uuid(webhook.id))).toBe(1);
    const [delivery] = await listDeliveries(t, key, webhook.id);
    expect(delivery).toMatchObject({ status: 'succeeded' });
    expect(site.requests).toHaveLength(1);
  });
});

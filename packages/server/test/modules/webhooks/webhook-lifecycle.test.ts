// Over an endpoint's life: secret rotation (both signatures for 24 hours), disabling after five
// days of failures and turning back on, re-sending a delivery and sending a test event through
// the API, and the event log a receiver catches up from.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeId, encodeId, newUuid } from '../../../src/lib/ids.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../fakes/webhook-receiver.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import {
  type Clock,
  captureLead,
  createBot,
  createWebhook,
  engineFor,
  getWebhook,
  isolatedDatabase,
  listDeliveries,
  makeClock,
} from './webhook-helpers.ts';

let t: TestApp;
let dropDatabase: () => Promise<void>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  const database = await isolatedDatabase();
  dropDatabase = database.drop;
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true', ...database.env });
});
afterAll(async () => {
  await t.close();
  await dropDatabase();
});
afterEach(async () => {
  vi.useRealTimers();
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver();
  receivers.push(started);
  return started;
}

const uuid = (wireId: string) => decodeId('wh', wireId, 'id');

/** Verifies as a receiver would, with its clock at the time the request was sent. */
function verifyAt(clock: Clock, secret: string, request: { body: string; headers: Record<string, string> }) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock.now());
  try {
    return new Webhook(secret).verify(request.body, request.headers);
  } finally {
    vi.useRealTimers();
  }
}

async function setup(url: string) {
  const ws = await buildWorkspace(t.context);
  const bot = await createBot(t, ws.liveKey);
  const webhook = await createWebhook(t, ws.liveKey, { url, events: ['lead.captured'] });
  let leads = 0;
  return {
    key: ws.liveKey,
    webhook,
    emit: () => {
      leads += 1;
      return captureLead(t, ws.liveKey, bot, `lead${leads}@example.com`);
    },
  };
}

describe('secret rotation', () => {
  it('signs with the old and the new secret for 24 hours, then with the new one only', async () => {
    const site = await receiver();
    const { key, webhook, emit } = await setup(site.url);
    const rotated = await t.request({ method: 'POST', url: `/v1/webhooks/${webhook.id}/rotate-secret`, key });
    const newSecret = rotated.json().secret as string;
    // Started after the rotation: 24 hours on this clock are past the old secret's grace period.
    const clock = makeClock();
    const engine = engineFor(t, clock);

    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    const during = site.requests[0]!;
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifyAt(clock, webhook.secret, during)).toMatchObject({ type: 'lead.captured' });
    expect(verifyAt(clock, newSecret, during)).toMatchObject({ type: 'lead.captured' });

    clock.advance(24 * 3600 + 1);
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    const after = site.requests[1]!;
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifyAt(clock, newSecret, after)).toMatchObject({ type: 'lead.captured' });
    expect(() => verifyAt(clock, webhook.secret, after)).toThrow(WebhookVerificationError);
    expect((await listDeliveries(t, key, webhook.id)).map((d) => d.status)).toEqual([
      'succeeded',
      'succeeded',
    ]);
  });
});

describe('disabling after sustained failure', () => {
  it('disables an endpoint that failed every attempt for 5 days, says why, and resumes when turned on', async () => {
    const clock = makeClock();
    const engine = engineFor(t, clock);
    const site = await receiver();
    site.respond = () => ({ status: 503, body: 'maintenance' });
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));

    // Four days and 23 hours later: still failing, still on.
    clock.advance(5 * 86_400 - 3600);
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    expect(await getWebhook(t, key, webhook.id)).toMatchObject({ status: 'active', enabled: true });

    clock.advance(3600);
    await engine.deliverDue(uuid(webhook.id));
    const disabled = await getWebhook(t, key, webhook.id);
    expect(disabled).toMatchObject({ status: 'disabled', enabled: false });
    expect(disabled.disabled_reason).toContain('failing continuously for 5 days');
    expect(disabled.disabled_reason).toContain('HTTP 503');

    // Disabled: nothing is sent, and new events are not queued for it.
    const sentBefore = site.requests.length;
    clock.advance(86_400);
    await emit();
    await engine.dispatch();
    expect(await engine.deliverDue(uuid(webhook.id))).toBe(0);
    expect(site.requests).toHaveLength(sentBefore);
    expect(await listDeliveries(t, key, webhook.id)).toHaveLength(2);

    // Turned back on and healthy: what was still pending is delivered; what happened while it
    // was disabled is in the event log, not queued.
    site.respond = () => ({ status: 200 });
    const enabled = await t.request({
      method: 'PATCH',
      url: `/v1/webhooks/${webhook.id}`,
      key,
      body: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ status: 'active', disabled_reason: null });
    expect(await engine.deliverDue(uuid(webhook.id))).toBe(2);
    const statuses = (await listDeliveries(t, key, webhook.id)).map((d) => d.status);
    expect(statuses).toEqual(['succeeded', 'succeeded']);
    expect((await t.request({ url: '/v1/events?type=lead.captured', key })).json().data).toHaveLength(3);
  });

  it('does not disable an endpoint that succeeded in between', async () => {
    const clock = makeClock();
    const engine = engineFor(t, clock);
    const site = await receiver();
    const { key, webhook, emit } = await setup(site.url);
    site.respond = () => ({ status: 500 });
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    clock.advance(3 * 86_400);
    site.respond = () => ({ status: 200 });
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    clock.advance(3 * 86_400);
    site.respond = () => ({ status: 500 });
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    expect(await getWebhook(t, key, webhook.id)).toMatchObject({ status: 'active' });
  });
});

describe('re-sending and testing through the API', () => {
  it('re-sends a failed delivery now and answers with its new attempt', async () => {
    const clock = makeClock();
    const engine = engineFor(t, clock);
    const site = await receiver();
    site.respond = () => ({ status: 400, body: 'bad' });
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    const [failed] = await listDeliveries(t, key, webhook.id);
    expect(failed.status).toBe('failed');

    site.respond = () => ({ status: 200, body: 'fixed' });
    const retried = await t.request({
      method: 'POST',
      url: `/v1/webhook-deliveries/${failed.id}/retry`,
      key,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toMatchObject({ id: failed.id, status: 'succeeded', next_attempt_at: null });
    expect(retried.json().attempts.map((a: { status_code: number }) => a.status_code)).toEqual([400, 200]);
    expect(site.requests.map((r) => r.headers['webhook-id'])).toEqual([failed.event_id, failed.event_id]);
    expect((await listDeliveries(t, key, webhook.id))[0]).toEqual(retried.json());

    // Another workspace's key never reaches it.
    const other = await buildWorkspace(t.context);
    const foreign = await t.request({
      method: 'POST',
      url: `/v1/webhook-deliveries/${failed.id}/retry`,
      key: other.liveKey,
    });
    expect(foreign.statusCode).toBe(404);
    expect(site.requests).toHaveLength(2);
  });

  it('sends a test event and answers with the attempt, verifiable with the secret', async () => {
    const site = await receiver();
    const { key, webhook } = await setup(site.url);
    const response = await t.request({ method: 'POST', url: `/v1/webhooks/${webhook.id}/test`, key });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      id: expect.stringMatching(/^whd_/),
      webhook_id: webhook.id,
      event_type: 'webhook.test',
      status: 'succeeded',
      next_attempt_at: null,
      attempts: [{ status_code: 200, error: null, response_body: 'ok', duration_ms: expect.any(Number) }],
    });
    const [request] = site.requests;
    expect(new Webhook(webhook.secret).verify(request!.body, request!.headers)).toEqual({
      type: 'webhook.test',
      timestamp: expect.any(String),
      data: { webhook_id: webhook.id, message: expect.any(String) },
    });
    expect(request!.headers['webhook-id']).toBe(response.json().event_id);

    site.respond = () => ({ status: 500, body: 'boom' });
    const failing = await t.request({ method: 'POST', url: `/v1/webhooks/${webhook.id}/test`, key });
    expect(failing.json()).toMatchObject({
      status: 'failed',
      attempts: [{ status_code: 500, error: 'HTTP 500', response_body: 'boom' }],
    });
  });
});

describe('listing deliveries', () => {
  it('filters by status and event type, and pages newest first', async () => {
    const clock = makeClock();
    const engine = engineFor(t, clock);
    const site = await receiver();
    site.respond = (_request, index) => (index === 0 ? { status: 400 } : { status: 200 });
    const { key, webhook, emit } = await setup(site.url);
    for (let i = 0; i < 3; i++) await emit();
    await engine.dispatch();
    await engine.deliverDue(uuid(webhook.id));
    await t.request({ method: 'POST', url: `/v1/webhooks/${webhook.id}/test`, key });

    const all = await listDeliveries(t, key, webhook.id);
    expect(all.map((d) => d.event_type)).toEqual([
      'webhook.test',
      'lead.captured',
      'lead.captured',
      'lead.captured',
    ]);
    const failed = await listDeliveries(t, key, webhook.id, '&status=failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].attempts[0].status_code).toBe(400);
    expect(await listDeliveries(t, key, webhook.id, '&status=succeeded')).toHaveLength(3);
    expect(await listDeliveries(t, key, webhook.id, '&status=pending')).toEqual([]);
    expect((await listDeliveries(t, key, webhook.id, '&event_type=webhook.test')).map((d) => d.id)).toEqual([
      all[0].id,
    ]);
    expect(
      await listDeliveries(t, key, webhook.id, '&event_type=lead.captured&status=succeeded'),
    ).toHaveLength(2);

    const first = (await t.request({ url: `/v1/webhooks/${webhook.id}/deliveries?page_size=3`, key })).json();
    expect(first).toMatchObject({ has_more: true, next_cursor: expect.any(String) });
    const second = (
      await t.request({
        url: `/v1/webhooks/${webhook.id}/deliveries?page_size=3&cursor=${first.next_cursor}`,
        key,
      })
    ).json();
    expect([...first.data, ...second.data].map((d: { id: string }) => d.id)).toEqual(all.map((d) => d.id));
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
  });
});

describe('the event log', () => {
  it('lists the events a receiver missed, filtered by type and time, each with its data', async () => {
    const ws = await buildWorkspace(t.context);
    const bot = await createBot(t, ws.liveKey);
    const lead = await captureLead(t, ws.liveKey, bot, 'first@example.com');
    const listed = await t.request({ url: '/v1/events?type=lead.captured', key: ws.liveKey });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().data).toEqual([
      {
        id: expect.stringMatching(/^evt_/),
        type: 'lead.captured',
        created_at: expect.any(String),
        data: expect.objectContaining(lead),
      },
    ]);
    const event = listed.json().data[0];
    expect((await t.request({ url: `/v1/events/${event.id}`, key: ws.liveKey })).json()).toEqual(event);

    const second = await captureLead(t, ws.liveKey, bot, 'second@example.com');
    const since = await t.request({
      url: `/v1/events?created_after=${encodeURIComponent(event.created_at)}`,
      key: ws.liveKey,
    });
    expect(since.json().data.map((e: { data: { id: string } }) => e.data.id)).toEqual([second.id]);

    // Other tenants see none of it.
    const other = await buildWorkspace(t.context);
    for (const key of [other.liveKey, ws.testKey]) {
      expect((await t.request({ url: '/v1/events', key })).json().data).toEqual([]);
      expect((await t.request({ url: `/v1/events/${event.id}`, key })).statusCode).toBe(404);
    }
  });

  it.each([
    ['type=lead.created', 'type'],
    ['created_after=yesterday', 'created_after'],
    ['page_size=0', 'page_size'],
    ['cursor=nope', 'cursor'],
  ])('refuses ?%s naming %s', async (query, param) => {
    const ws = await buildWorkspace(t.context);
    const response = await t.request({ url: `/v1/events?${query}`, key: ws.liveKey });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', param });
  });

  it('answers 404 for an unknown event and 400 for a malformed id', async () => {
    const ws = await buildWorkspace(t.context);
    const unknown = encodeId('evt', newUuid());
    expect((await t.request({ url: `/v1/events/${unknown}`, key: ws.liveKey })).json().error).toMatchObject({
      type: 'not_found_error',
      message: `No event found with id '${unknown}'.`,
    });
    const malformed = await t.request({ url: `/v1/events/${encodeId('wh', newUuid())}`, key: ws.liveKey });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: 'invalid_id', param: 'id' });
  });

  it('forgets events after 30 days, with their deliveries', async () => {
    const site = await receiver();
    const { key, webhook, emit } = await setup(site.url);
    await emit();
    const clock = makeClock();
    await engineFor(t, clock).dispatch();
    expect(await listDeliveries(t, key, webhook.id)).toHaveLength(1);
    const { createEventService } = await import('../../../src/modules/events/event-service.ts');
    clock.advance(29 * 86_400);
    await createEventService({ db: t.context.db, now: clock.now }).purgeExpired();
    expect((await t.request({ url: '/v1/events', key })).json().data).toHaveLength(1);
    clock.advance(2 * 86_400);
    expect(
      await createEventService({ db: t.context.db, now: clock.now }).purgeExpired(),
    ).toBeGreaterThanOrEqual(1);
    expect((await t.request({ url: '/v1/events', key })).json().data).toEqual([]);
    expect(await listDeliveries(t, key, webhook.id)).toEqual([]);
  });
});

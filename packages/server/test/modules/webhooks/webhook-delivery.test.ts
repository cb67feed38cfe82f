// End to end with the job workers running, as `parley serve` does: a change through the API
// reaches a real local receiver, signed so that the standardwebhooks library verifies it, with
// the resource as the API shows it; a receiver that was down gets every event once it is up.
import { Webhook } from 'standardwebhooks';
import { fromString, toUUID } from 'typeid-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../fakes/webhook-receiver.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import {
  captureLead,
  createBot,
  createWebhook,
  eventually,
  isolatedDatabase,
  listDeliveries,
} from './webhook-helpers.ts';

let t: TestApp;
let dropDatabase: () => Promise<void>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  const database = await isolatedDatabase();
  dropDatabase = database.drop;
  t = await startTestApp(
    {
      PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
      // Short back-off, so a receiver that comes back is caught up within seconds.
      PARLEY_WEBHOOK_RETRY_DELAYS: '1,1,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2',
      ...database.env,
    },
    { workers: true },
  );
});
afterAll(async () => {
  await t.close();
  await dropDatabase();
});
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver();
  receivers.push(started);
  return started;
}

describe('delivery with the workers running', () => {
  it('delivers a lead.captured event, signed, with the lead as the API shows it', async () => {
    const site = await receiver();
    const ws = await buildWorkspace(t.context);
    const bot = await createBot(t, ws.liveKey);
    const webhook = await createWebhook(t, ws.liveKey, { url: site.url, events: ['lead.captured'] });
    const lead = await captureLead(t, ws.liveKey, bot, 'ana@example.com');

    const [request] = await site.waitFor(1);
    const verified = new Webhook(webhook.secret).verify(request!.body, request!.headers) as Record<
      string,
      unknown
    >;
    const shown = (await t.request({ url: `/v1/leads/${lead.id}`, key: ws.liveKey })).json();
    expect(verified).toEqual({
      type: 'lead.captured',
      timestamp: expect.any(String),
      data: expect.objectContaining(shown),
    });
    expect(request!.headers['content-type']).toBe('application/json');

    const [event] = (await t.request({ url: '/v1/events?type=lead.captured', key: ws.liveKey })).json().data;
    expect(request!.headers['webhook-id']).toBe(event.id);
    expect(verified.timestamp).toBe(event.created_at);
    expect(verified.data).toEqual(event.data);

    const [delivery] = await eventually('the delivery to be recorded', async () => {
      const rows = await listDeliveries(t, ws.liveKey, webhook.id);
      return rows[0]?.status === 'succeeded' ? rows : null;
    });
    expect(delivery).toMatchObject({
      event_id: event.id,
      event_type: 'lead.captured',
      status: 'succeeded',
      next_attempt_at: null,
      attempts: [{ status_code: 200, error: null, response_body: 'ok' }],
    });
  });

  it('writes ids as bare UUIDs for an endpoint that asks for them', async () => {
    const site = await receiver();
    const ws = await buildWorkspace(t.context);
    const bot = await createBot(t, ws.liveKey);
    const webhook = await createWebhook(t, ws.liveKey, {
      url: site.url,
      events: ['lead.captured'],
      id_format: 'uuid',
    });
    expect(webhook.id_format).toBe('uuid');
    const lead = await captureLead(t, ws.liveKey, bot, 'uuid@example.com');
    const [request] = await site.waitFor(1);
    const verified = new Webhook(webhook.secret).verify(request!.body, request!.headers) as {
      data: Record<string, unknown>;
    };
    const uuidOf = (id: string) => toUUID(fromString(id, id.slice(0, id.lastIndexOf('_'))));
    expect(verified.data).toMatchObject({
      id: uuidOf(lead.id),
      chatbot_id: uuidOf(bot),
      email: 'uuid@example.com',
    });
    expect(JSON.stringify(verified.data)).not.toMatch(/"(lead|bot|conv)_[0-9a-z]{26}"/);
  });

  it('gets every event to a receiver that was down for a while, once it is back', async () => {
    const site = await receiver();
    const ws = await buildWorkspace(t.context);
    const bot = await createBot(t, ws.liveKey);
    const webhook = await createWebhook(t, ws.liveKey, { url: site.url, events: ['*'] });
    await site.down();
    const leads: string[] = [];
    for (let i = 0; i < 5; i++)
      leads.push((await captureLead(t, ws.liveKey, bot, `down${i}@example.com`)).id);

    // Every delivery has failed at least once while the receiver was down.
    await eventually('a failed attempt of every delivery', async () => {
      const rows = await listDeliveries(t, ws.liveKey, webhook.id);
      return rows.length === 5 && rows.every((row) => row.attempts.length > 0);
    });
    expect(site.requests).toEqual([]);

    await site.up();
    await eventually('every delivery to succeed', async () => {
      const rows = await listDeliveries(t, ws.liveKey, webhook.id);
      return rows.length === 5 && rows.every((row) => row.status === 'succeeded');
    });
    const delivered = new Set(site.requests.map((r) => r.json.data.id));
    expect([...delivered].sort()).toEqual([...leads].sort());
    for (const row of await listDeliveries(t, ws.liveKey, webhook.id)) {
      expect(row.attempts.at(0).error).toMatch(/^Could not connect/);
      expect(row.attempts.at(-1)).toMatchObject({ status_code: 200 });
    }
  });
});

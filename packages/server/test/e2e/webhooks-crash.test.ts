// kill -9 of the server while webhooks are being delivered: after a restart every event reaches
// the receiver, and an event sent twice carries the same webhook-id and body both times.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '../fakes/webhook-receiver.ts';
import { isolatedDatabase } from '../modules/webhooks/webhook-helpers.ts';
import { api, waitUntil } from './http-helpers.ts';
import { makeDataDir, startParley, stopParley, useProcessCleanup } from './process-helpers.ts';

useProcessCleanup();

const EVENTS = 60;

describe('webhook delivery survives kill -9', () => {
  it('delivers every event after the server is killed mid-delivery and restarted', async () => {
    const receiver = await startWebhookReceiver();
    // With DATABASE_URL, both servers use a fresh database on that PostgreSQL server.
    const database = await isolatedDatabase();
    try {
      // Slow answers, so that deliveries are in flight when the server dies.
      receiver.respond = () => ({ status: 200, delayMs: 300 });
      const dataDir = makeDataDir();
      const env = {
        PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
        PARLEY_WEBHOOK_RETRY_DELAYS: '1,1,1,1,1,1,1,1,1,1',
        ...database.env,
      };
      const first = await startParley(dataDir, { env });
      const key = first.banner.keys.find((k) => k.environment === 'live')!.secret;
      const webhook = await api(first.url, '/v1/webhooks', {
        key,
        method: 'POST',
        body: { url: receiver.url, events: ['lead.captured'] },
      });
      expect(webhook.status).toBe(201);
      const bot = await api(first.url, '/v1/chatbots', { key, method: 'POST', body: { name: 'Sales' } });
      const leads: string[] = [];
      for (let i = 0; i < EVENTS; i++) {
        const lead = await api(first.url, `/v1/chatbots/${bot.body.id}/leads`, {
          key,
          method: 'POST',
          body: { email: `crash${i}@example.com` },
        });
        expect(lead.status).toBe(201);
        leads.push(lead.body.id);
      }
      await receiver.waitFor(5, 60_000);
      await stopParley(first, 'SIGKILL');
      const beforeRestart = new Set(receiver.requests.map((r) => r.json.data.id)).size;
      expect(beforeRestart).toBeLessThan(EVENTS);

      const second = await startParley(dataDir, { env });
      await waitUntil(
        'every lead to reach the receiver after the restart',
        async () => new Set(receiver.requests.map((r) => r.json.data.id)).size === EVENTS,
        180_000,
      );
      expect([...new Set(receiver.requests.map((r) => r.json.data.id))].sort()).toEqual([...leads].sort());

      // Duplicates are the same message: same webhook-id, same body, valid signatures.
      const byId = new Map<string, string>();
      const verifier = new Webhook(webhook.body.secret);
      for (const request of receiver.requests) {
        const id = request.headers['webhook-id']!;
        expect(byId.get(id) ?? request.body).toBe(request.body);
        byId.set(id, request.body);
        expect(() => verifier.verify(request.body, request.headers)).not.toThrow();
      }
      expect(byId.size).toBe(EVENTS);

      // The API shows every delivery succeeded.
      await waitUntil(
        'every delivery to show as succeeded',
        async () => {
          const page = await api(second.url, `/v1/webhooks/${webhook.body.id}/deliveries?page_size=100`, {
            key,
          });
          return (
            page.body.data.length === EVENTS &&
            page.body.data.every((d: { status: string }) => d.status === 'succeeded')
          );
        },
        60_000,
      );
      await stopParley(second);
    } finally {
      await receiver.close();
      await database.drop();
    }
  }, 360_000);
});

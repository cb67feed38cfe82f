// Secret rotation: every replaced secret keeps signing deliveries for its own 24 hours, however
// many rotations happen within them.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { createWebhookService } from '../../../src/modules/webhooks/webhook-service.ts';
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
  makeClock,
} from './webhook-helpers.ts';

let t: TestApp;
let dropDatabase: () => Promise<void>;
let site: WebhookReceiver;

beforeAll(async () => {
  const database = await isolatedDatabase();
  dropDatabase = database.drop;
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true', ...database.env });
  site = await startWebhookReceiver();
});
afterAll(async () => {
  await site.close();
  await t.close();
  await dropDatabase();
});
afterEach(() => {
  vi.useRealTimers();
});

const HOUR = 3600;

/** Verifies as a receiver holding one secret would, with its clock at the time the request was sent. */
function verifies(clock: Clock, secret: string, request: { body: string; headers: Record<string, string> }) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock.now());
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return false;
    throw error;
  } finally {
    vi.useRealTimers();
  }
}

async function setup() {
  const ws = await buildWorkspace(t.context);
  const bot = await createBot(t, ws.liveKey);
  const webhook = await createWebhook(t, ws.liveKey, { url: site.url, events: ['lead.captured'] });
  let leads = 0;
  return {
    key: ws.liveKey,
    scope: { workspaceId: ws.id, environment: 'live' as const },
    webhook,
    /** Emits one event and delivers it on the given clock; answers with what the receiver got. */
    async deliverOne(clock: Clock) {
      leads += 1;
      const before = site.requests.length;
      await captureLead(t, ws.liveKey, bot, `lead${leads}@example.com`);
      const engine = engineFor(t, clock);
      await engine.dispatch();
      await engine.deliverDue(decodeId('wh', webhook.id, 'id'));
      expect(site.requests).toHaveLength(before + 1);
      return site.requests[before]!;
    },
  };
}

describe('rotating a secret several times within 24 hours', () => {
  it('keeps every replaced secret signing, then drops them when their 24 hours are over', async () => {
    const { key, webhook, deliverOne } = await setup();
    const rotate = async () => {
      const response = await t.request({
        method: 'POST',
        url: `/v1/webhooks/${webhook.id}/rotate-secret`,
        key,
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json().secret as string;
    };
    const second = await rotate();
    const third = await rotate();
    // Started after both rotations.
    const clock = makeClock();

    const during = await deliverOne(clock);
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(3);
    for (const secret of [webhook.secret, second, third]) expect(verifies(clock, secret, during)).toBe(true);

    clock.advance(24 * HOUR + 1);
    const after = await deliverOne(clock);
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifies(clock, third, after)).toBe(true);
    expect(verifies(clock, webhook.secret, after)).toBe(false);
    expect(verifies(clock, second, after)).toBe(false);
  });

  it('gives each replaced secret its own 24 hours from the rotation that replaced it', async () => {
    const { scope, webhook, deliverOne } = await setup();
    const clock = makeClock();
    const service = createWebhookService({
      db: t.context.db,
      secretBox: t.context.secretBox,
      delivery: engineFor(t, clock),
      allowPrivateNetwork: true,
      now: clock.now,
    });
    const id = decodeId('wh', webhook.id, 'id');

    const { secret: second } = await service.rotateSecret(scope, id);
    clock.advance(12 * HOUR);
    const { secret: third } = await service.rotateSecret(scope, id);
    const beforeFirstGrace = await deliverOne(clock);
    for (const secret of [webhook.secret, second, third]) {
      expect(verifies(clock, secret, beforeFirstGrace)).toBe(true);
    }

    clock.advance(12 * HOUR + 1);
    const afterFirstGrace = await deliverOne(clock);
    expect(afterFirstGrace.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifies(clock, third, afterFirstGrace)).toBe(true);
    expect(verifies(clock, second, afterFirstGrace)).toBe(true);
    expect(verifies(clock, webhook.secret, afterFirstGrace)).toBe(false);

    clock.advance(12 * HOUR);
    const afterBoth = await deliverOne(clock);
    expect(afterBoth.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifies(clock, third, afterBoth)).toBe(true);
    expect(verifies(clock, second, afterBoth)).toBe(false);
  });

  it('refuses an eleventh rotation while ten replaced secrets still sign, and changes nothing', async () => {
    const { key, webhook, deliverOne } = await setup();
    const rotate = () => t.request({ method: 'POST', url: `/v1/webhooks/${webhook.id}/rotate-secret`, key });
    let latest = webhook.secret;
    for (let i = 0; i < 10; i++) {
      const response = await rotate();
      expect(response.statusCode, response.body).toBe(200);
      latest = response.json().secret;
    }
    const refused = await rotate();
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ type: 'conflict_error', code: 'too_many_rotations' });

    const clock = makeClock();
    const delivered = await deliverOne(clock);
    expect(delivered.headers['webhook-signature']!.split(' ')).toHaveLength(11);
    expect(verifies(clock, latest, delivered)).toBe(true);
    expect(verifies(clock, webhook.secret, delivered)).toBe(true);
  });
});

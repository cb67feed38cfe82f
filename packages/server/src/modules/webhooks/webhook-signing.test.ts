import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signDelivery } from './webhook-signing.ts';

const body = JSON.stringify({
  type: 'lead.captured',
  timestamp: '2026-03-01T12:00:00.000Z',
  data: { id: 'lead_1' },
});

describe('signDelivery', () => {
  it('signs so that the standardwebhooks library verifies it', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = signDelivery([secret], { id: 'evt_1', timestamp: new Date(), body });
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('carries one signature per secret, each verifiable on its own', () => {
    const [oldSecret, newSecret, otherSecret] = [1, 2, 3].map(() => generateWebhookSecret());
    const headers = signDelivery([newSecret!, oldSecret!], { id: 'evt_2', timestamp: new Date(), body });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret!).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret!).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(otherSecret!).verify(body, { ...headers })).toThrow(WebhookVerificationError);
  });

  it('is refused when the body or the id changed', () => {
    const secret = generateWebhookSecret();
    const headers = signDelivery([secret], { id: 'evt_3', timestamp: new Date(), body });
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt_4' })).toThrow(
      WebhookVerificationError,
    );
  });
});

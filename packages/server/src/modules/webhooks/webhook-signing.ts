// Standard Webhooks signing: secrets `whsec_<base64>`, header `webhook-signature: v1,<base64>`
// (HMAC-SHA256 over `id.timestamp.body`), several space-separated signatures while a rotated
// secret is still honoured.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const SECRET_PREFIX = 'whsec_';

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three Standard Webhooks headers for one attempt, signed with every given secret. */
export function signDelivery(
  secrets: readonly string[],
  message: { id: string; timestamp: Date; body: string },
): SignedHeaders {
  const signatures = secrets.map((secret) =>
    new Webhook(secret).sign(message.id, message.timestamp, message.body),
  );
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

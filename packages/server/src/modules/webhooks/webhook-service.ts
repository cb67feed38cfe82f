// Webhook endpoints: creation with a signing secret, changes, rotation, and what was delivered.
import ipaddr from 'ipaddr.js';
import type { Database } from '../../db/client.ts';
import type { WebhookIdFormat } from '../../db/schema/events.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { unreachablePort } from '../../lib/fetch-bad-ports.ts';
import { encodeId, newUuid } from '../../lib/ids.ts';
import { isPublicAddress } from '../../lib/safe-fetch.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import * as deliveriesRepo from './delivery-repository.ts';
import type { WebhookDelivery } from './webhook-delivery.ts';
import * as repo from './webhook-repository.ts';
import type { AttemptRow, DeliveryRow, WebhookRow } from './webhook-schemas.ts';
import { generateWebhookSecret } from './webhook-signing.ts';

export interface WebhookInput {
  url?: string;
  events?: string[];
  description?: string | null;
  id_format?: WebhookIdFormat;
  enabled?: boolean;
}

/** How long the secret before a rotation still signs deliveries. */
export const ROTATION_GRACE_MS = 24 * 3600 * 1000;
/** Replaced secrets signing at once, at most: each adds a signature to every delivery's headers. */
export const MAX_SIGNING_PREVIOUS_SECRETS = 10;

export interface WebhookServiceDeps {
  db: Database;
  secretBox: SecretBox;
  delivery: WebhookDelivery;
  /** PARLEY_ALLOW_PRIVATE_NETWORK: endpoints on loopback or private addresses are allowed. */
  allowPrivateNetwork: boolean;
  now?: () => Date;
}

export function createWebhookService(deps: WebhookServiceDeps) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  /** The URL as stored, or a 400 naming `url`. Hostnames are checked again after DNS, at each attempt. */
  function checkUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw AppError.invalid(
        'invalid_url',
        `'url' must be an absolute http or https URL, got '${raw}'.`,
        'url',
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw AppError.invalid(
        'invalid_url',
        `'url' must use http or https, not ${url.protocol.slice(0, -1)}.`,
        'url',
      );
    }
    if (url.username || url.password) {
      throw AppError.invalid('invalid_url', "'url' must not carry a user name or password.", 'url');
    }
    const port = unreachablePort(url);
    if (port !== null) {
      throw AppError.invalid(
        'invalid_url',
        `'url' uses port ${port}, which HTTP clients refuse to connect to (a port of other protocols): use another port.`,
        'url',
      );
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!deps.allowPrivateNetwork && ipaddr.isValid(host) && !isPublicAddress(host)) {
      throw AppError.invalid(
        'url_not_allowed',
        `'url' points to ${host}, a loopback or private address: webhooks go to public addresses only.`,
        'url',
      );
    }
    return url.toString();
  }

  function checkEvents(types: string[]): string[] {
    if (types.includes('*') && types.length > 1) {
      throw AppError.invalid(
        'invalid_parameter',
        '\'events\' is either ["*"] or a list of event types, not both.',
        'events',
      );
    }
    return types;
  }

  function cleanDescription(value: string | null | undefined): string | null {
    const trimmed = value?.trim();
    return trimmed ? trimmed : null;
  }

  async function get(scope: Scope, id: string): Promise<WebhookRow> {
    const row = await repo.findWebhook(db.orm, scope, id);
    if (!row) throw AppError.notFound('webhook', encodeId('wh', id));
    return row;
  }

  async function withAttempts(
    rows: DeliveryRow[],
  ): Promise<{ delivery: DeliveryRow; attempts: AttemptRow[] }[]> {
    const attempts = await deliveriesRepo.attemptsOf(
      db.orm,
      rows.map((row) => row.id),
    );
    return rows.map((delivery) => ({ delivery, attempts: attempts.get(delivery.id) ?? [] }));
  }

  return {
    get,

    async create(
      scope: Scope,
      input: WebhookInput & { url: string; events: string[] },
    ): Promise<{ webhook: WebhookRow; secret: string }> {
      const secret = generateWebhookSecret();
      const webhook = await repo.insertWebhook(db.orm, {
        id: newUuid(),
        workspaceId: scope.workspaceId,
        environment: scope.environment,
        url: checkUrl(input.url),
        eventTypes: checkEvents(input.events),
        description: cleanDescription(input.description),
        idFormat: input.id_format ?? 'typeid',
        enabled: input.enabled ?? true,
        disabledReason: input.enabled === false ? 'Turned off through the API.' : null,
        secretSealed: deps.secretBox.encrypt(secret),
      });
      return { webhook, secret };
    },

    list: (scope: Scope, page: { limit: number; beforeId: string | null }) =>
      repo.listWebhooks(db.orm, scope, page),

    async update(scope: Scope, id: string, input: WebhookInput): Promise<WebhookRow> {
      await get(scope, id);
      const changes: Parameters<typeof repo.updateWebhook>[3] = {
        ...(input.url === undefined ? {} : { url: checkUrl(input.url) }),
        ...(input.events === undefined ? {} : { eventTypes: checkEvents(input.events) }),
        ...(input.description === undefined ? {} : { description: cleanDescription(input.description) }),
        ...(input.id_format === undefined ? {} : { idFormat: input.id_format }),
      };
      if (input.enabled === true)
        Object.assign(changes, { enabled: true, disabledReason: null, failingSince: null });
      if (input.enabled === false) {
        Object.assign(changes, { enabled: false, disabledReason: 'Turned off through the API.' });
      }
      const updated = await repo.updateWebhook(db.orm, scope, id, changes);
      if (!updated) throw AppError.notFound('webhook', encodeId('wh', id));
      return updated;
    },

    async remove(scope: Scope, id: string): Promise<void> {
      if (!(await repo.deleteWebhook(db.orm, scope, id)))
        throw AppError.notFound('webhook', encodeId('wh', id));
    },

    /** A new secret; each replaced secret keeps signing (as another signature) for 24 hours. */
    async rotateSecret(scope: Scope, id: string): Promise<{ webhook: WebhookRow; secret: string }> {
      await get(scope, id);
      const secret = generateWebhookSecret();
      const at = now();
      const webhook = await repo.rotateSecret(db.orm, scope, id, {
        sealed: deps.secretBox.encrypt(secret),
        now: at,
        expiresAt: new Date(at.getTime() + ROTATION_GRACE_MS),
        maxPrevious: MAX_SIGNING_PREVIOUS_SECRETS,
      });
      if (!webhook) {
        await get(scope, id);
        throw new AppError(
          'conflict_error',
          'too_many_rotations',
          `Webhook '${encodeId('wh', id)}' already has ${MAX_SIGNING_PREVIOUS_SECRETS} replaced secrets still signing; rotate again once the oldest is past its 24 hours.`,
        );
      }
      return { webhook, secret };
    },

    async listDeliveries(
      scope: Scope,
      webhookId: string,
      filter: { status?: DeliveryRow['status']; eventType?: string },
      page: { limit: number; beforeId: string | null },
    ) {
      await get(scope, webhookId);
      return withAttempts(await deliveriesRepo.listDeliveries(db.orm, webhookId, filter, page));
    },

    /** Sends the delivery again now, whatever its status; answers with its attempts. */
    async retryDelivery(scope: Scope, deliveryId: string) {
      const delivery = await deliveriesRepo.findDeliveryInScope(db.orm, scope, deliveryId);
      if (!delivery) throw AppError.notFound('webhook delivery', encodeId('whd', deliveryId));
      const webhook = await get(scope, delivery.webhookId);
      const sent = await deps.delivery.attemptNow(webhook, deliveryId);
      if (!sent) {
        throw new AppError(
          'conflict_error',
          'delivery_in_progress',
          `Delivery '${encodeId('whd', deliveryId)}' is being sent right now; list the deliveries to see the result.`,
        );
      }
      const [result] = await withAttempts([sent]);
      return result!;
    },

    /** Sends a `webhook.test` event to the endpoint now, enabled or not; answers with the attempt. */
    async sendTest(scope: Scope, id: string) {
      const webhook = await get(scope, id);
      const [result] = await withAttempts([await deps.delivery.sendTest(webhook)]);
      return result!;
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

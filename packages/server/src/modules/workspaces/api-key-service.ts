// API keys: creation (shown once), listing, revocation, and authentication of a request.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, Executor } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import { newUuid } from '../../lib/ids.ts';
import { API_KEY_CHANNEL, ApiKeyCache, type CacheInvalidation } from './api-key-cache.ts';
import { KeyRevocations, type RevocationHandler } from './api-key-revocations.ts';
import {
  type Environment,
  generateApiKey,
  hashApiKey,
  isApiKeyFormat,
  type KeyFormat,
} from './api-key-secrets.ts';
import type { PlanLimits, PlanTable } from './plans.ts';
import * as repo from './workspace-repository.ts';

export interface Principal {
  keyId: string;
  workspaceId: string;
  environment: Environment;
  workspace: { id: string; name: string; plan: string; createdAt: Date };
  limits: PlanLimits;
}

export interface CreatedKey {
  row: repo.ApiKeyRow;
  secret: string;
}

export interface ApiKeyServiceDeps {
  db: Database;
  logger: Logger;
  plans: PlanTable;
  maxActiveApiKeys: number;
  cacheTtlSeconds: number;
}

/** last_used_at is written at most this often per key, off the request path. */
const TOUCH_INTERVAL_MS = 60_000;
/**
 * How often a node re-checks the keys its open streams run for. Revocation normally arrives by
 * NOTIFY at once; this bounds how long a stream outlives its key if a notice is ever lost.
 */
const STREAM_RECHECK_MS = 10_000;

export function createApiKeyService(deps: ApiKeyServiceDeps) {
  const { db, logger } = deps;
  const cache = new ApiKeyCache<Principal>(deps.cacheTtlSeconds * 1000);
  const lastTouched = new Map<string, number>();
  const listPage = repo.prepareApiKeyPages(db);
  const revocations = new KeyRevocations(
    (ids) => repo.activeApiKeyIds(db.orm, ids),
    STREAM_RECHECK_MS,
    (error) => logger.warn({ err: error }, 'could not re-check the keys of open streams'),
  );

  function limitsFor(plan: string): PlanLimits {
    // A plan removed from PARLEY_PLANS after workspaces were created on it: no limits rather than a crash.
    return deps.plans[plan] ?? { requests_per_minute: null, messages_per_month: null };
  }

  async function notify(tx: Pick<Database['orm'], 'execute'>, message: CacheInvalidation): Promise<void> {
    await tx.execute(sql`SELECT pg_notify(${API_KEY_CHANNEL}, ${JSON.stringify(message)})`);
  }

  function touch(keyId: string): void {
    const now = Date.now();
    if (now - (lastTouched.get(keyId) ?? 0) < TOUCH_INTERVAL_MS) return;
    lastTouched.set(keyId, now);
    if (lastTouched.size > 50_000) lastTouched.clear();
    repo.touchApiKey(db.orm, keyId).catch((error) => logger.warn({ err: error }, 'could not record key use'));
  }

  return {
    /** Starts listening for revocations; call once before serving requests. */
    async start() {
      const unlisten = await db.listen(API_KEY_CHANNEL, (payload) => {
        cache.onNotification(payload);
        revocations.onNotification(payload);
      });
      cache.listening(unlisten);
    },
    async stop() {
      revocations.close();
      await cache.close();
    },

    /**
     * Calls `onRevoked` once if the key is revoked (on any node) while the caller's work runs;
     * the returned function stops watching. For work that outlives its request's authentication.
     */
    watchRevocation(keyId: string, onRevoked: RevocationHandler): () => void {
      return revocations.watch(keyId, onRevoked);
    },

    /**
     * Creates a key; inside the caller's transaction when one is passed. `format` picks the
     * prefix (a seed product's, for its compatibility API); the secret's strength is the same.
     */
    async create(
      workspaceId: string,
      environment: Environment,
      name: string,
      executor?: Executor,
      format: KeyFormat = 'parley',
    ): Promise<CreatedKey> {
      const run = async (tx: Executor): Promise<CreatedKey> => {
        const workspace = await repo.findWorkspace(tx, workspaceId);
        if (!workspace) throw AppError.notFound('workspace', workspaceId);
        await repo.lockWorkspace(tx, workspaceId);
        const active = await repo.countActiveKeys(tx, workspaceId, environment);
        if (active >= deps.maxActiveApiKeys) {
          throw AppError.invalid(
            'api_key_limit_reached',
            `This workspace already has ${active} active ${environment} API keys, the most allowed. ` +
              'Revoke one (DELETE /v1/api-keys/{id}, or `parley keys revoke ID`) before creating another.',
          );
        }
        const key = generateApiKey(environment, format);
        const row = await repo.insertApiKey(tx, {
          id: newUuid(),
          workspaceId,
          environment,
          name,
          keyHash: key.hash,
          displayPrefix: key.displayPrefix,
          lastFour: key.lastFour,
        });
        return { row, secret: key.secret };
      };
      return executor ? run(executor) : db.orm.transaction(run);
    },

    list(
      scope: { workspaceId: string; environment?: Environment },
      page: { limit: number; beforeId: string | null },
    ): Promise<repo.ApiKeyRow[]> {
      const { workspaceId, environment } = scope;
      // The API lists one environment (the fast path); the operator's CLI lists both.
      return environment
        ? listPage({ workspaceId, environment }, page)
        : repo.listApiKeys(db.orm, scope, page);
    },

    async get(
      scope: { workspaceId: string; environment?: Environment },
      id: string,
    ): Promise<repo.ApiKeyRow | null> {
      return repo.findApiKey(db.orm, scope, id);
    },

    /**
     * Revokes a key of the scope (any workspace when the scope is null: the operator's CLI);
     * revoking twice is harmless. Null when there is no such key.
     */
    async revoke(
      scope: { workspaceId: string; environment?: Environment } | null,
      id: string,
    ): Promise<repo.ApiKeyRow | null> {
      const revoked = await db.orm.transaction(async (tx) => {
        const key = scope ? await repo.findApiKey(tx, scope, id) : await repo.findApiKeyById(tx, id);
        if (!key) return null;
        await notify(tx, { keyHash: key.keyHash, keyId: key.id });
        return repo.revokeApiKey(tx, id);
      });
      // Other nodes drop it when the NOTIFY arrives; this node must not wait for its own.
      if (revoked) {
        cache.onNotification(JSON.stringify({ keyHash: revoked.keyHash }));
        revocations.revoked(revoked.id);
      }
      return revoked;
    },

    /**
     * The principal of a key this node authenticated recently, without waiting on anything; when
     * undefined, call `authenticate`. Revocation reaches the cache through NOTIFY, as for `authenticate`.
     */
    cachedPrincipal(secret: string | undefined): Principal | undefined {
      if (!secret) return undefined;
      const cached = cache.get(hashApiKey(secret));
      if (cached) touch(cached.keyId);
      return cached;
    },

    /** The principal of a bearer secret, or an authentication error. */
    async authenticate(secret: string | undefined): Promise<Principal> {
      if (!secret) {
        throw AppError.unauthenticated(
          'missing_api_key',
          "No API key provided. Send 'Authorization: Bearer prl_live_…' (or prl_test_…).",
        );
      }
      if (!isApiKeyFormat(secret)) {
        throw AppError.unauthenticated(
          'invalid_api_key',
          'The API key is malformed: Parley keys look like prl_live_… or prl_test_… (or a compatible ic_…, sk_live_…, chtb_live_… key).',
        );
      }
      const hash = hashApiKey(secret);
      const cached = cache.get(hash);
      if (cached) {
        touch(cached.keyId);
        return cached;
      }
      const generation = cache.currentGeneration;
      const found = await repo.findKeyByHash(db.orm, hash);
      if (!found) throw AppError.unauthenticated('invalid_api_key', 'The API key is not valid.');
      if (found.key.revokedAt) {
        throw AppError.unauthenticated('api_key_revoked', 'The API key has been revoked. Create a new one.');
      }
      const principal: Principal = {
        keyId: found.key.id,
        workspaceId: found.workspace.id,
        environment: found.key.environment,
        workspace: {
          id: found.workspace.id,
          name: found.workspace.name,
          plan: found.workspace.plan,
          createdAt: found.workspace.createdAt,
        },
        limits: limitsFor(found.workspace.plan),
      };
      cache.set(hash, principal.workspaceId, principal, generation);
      touch(principal.keyId);
      return principal;
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

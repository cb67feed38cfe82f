// What every compatibility prefix shares: API-key authentication (the same keys, cache and
// revocation as /v1), the seed's rate-limit policy and headers, and its error body. Routes of a
// seed are registered inside the scope this sets up, and call Parley's services.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { bearerToken } from '../../http/auth.ts';
import { resolveError, routeNotFound } from '../../http/error-handler.ts';
import { readAnyBodyAsJson } from '../../http/json-body.ts';
import type { RateDecision, RateLimiter } from '../../http/rate-limit.ts';
import { AppError } from '../../lib/errors.ts';
import type { ApiKeyService, Principal } from '../workspaces/api-key-service.ts';

export interface RatePolicy {
  /** Requests per minute for this key on this prefix; null: not counted. */
  perMinute(principal: Principal): number | null;
  /** `X-RateLimit-*` on every response (Chatsby), or none (the seeds that document none). */
  limitHeaders: boolean;
  /** `Retry-After` on a 429: SiteGist and Chatsby send it; InsiteChat documents that it does not. */
  retryAfter: boolean;
  /** The 429's message, in the seed's words. */
  message(limit: number, decision: RateDecision): string;
}

export interface SeedError {
  status: number;
  body: unknown;
}

export interface CompatSeed {
  /** The prefix every route of the seed is under, e.g. /compat/insitechat/api. */
  basePath: string;
  /** The seed's error body, as its OpenAPI document shows every 4xx and 5xx. */
  errorSchema: TSchema;
  rate: RatePolicy;
  /** How the seed's keys look, for the message to a request that sends none ("ic_…"). */
  keyExample: string;
  /**
   * The only error statuses the seed's table has: any other 4xx is answered as 400 (403 as 401),
   * any other 5xx as the first server status.
   */
  statuses?: { client: number[]; server: number[] };
  /** The seed's error body for one of Parley's errors (and the status, when the seed's differs). */
  formatError(error: AppError, request: FastifyRequest): SeedError;
}

/** A status the seed's table has, for one it does not (see CompatSeed.statuses). */
function seedStatus(seed: CompatSeed, status: number): number {
  return seed.statuses ? statusInTable(seed.statuses, status) : status;
}

/** A status of the table: any other 4xx is 400 (403 is 401 when the table lacks it), any other 5xx the first server status. */
export function statusInTable(table: { client: number[]; server: number[] }, status: number): number {
  if (status < 400) return status;
  if (table.client.includes(status) || table.server.includes(status)) return status;
  if (status >= 500) return table.server[0]!;
  return status === 403 && table.client.includes(401) ? 401 : 400;
}

export interface CompatDeps {
  apiKeys: ApiKeyService;
  rateLimiter: RateLimiter;
}

function applyDecision(seed: CompatSeed, reply: FastifyReply, limit: number, decision: RateDecision): void {
  if (seed.rate.limitHeaders) {
    reply.header('X-RateLimit-Limit', decision.limit);
    reply.header('X-RateLimit-Remaining', decision.remaining);
    reply.header('X-RateLimit-Reset', decision.resetAt);
  }
  if (!decision.allowed) {
    throw new AppError('rate_limit_error', 'rate_limit_exceeded', seed.rate.message(limit, decision), {
      headers: seed.rate.retryAfter ? { 'Retry-After': String(decision.retryAfterSeconds) } : {},
    });
  }
}

/**
 * Authenticates with any of the workspace's keys (any format) and counts the request under the
 * seed's own limit, on a counter of its own: a key's /v1 traffic does not use up its InsiteChat
 * budget, and the other way round.
 */
function registerKeyAuth(scope: FastifyInstance, deps: CompatDeps, seed: CompatSeed, name: string): void {
  const admit = (
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
  ): void | Promise<void> => {
    request.principal = principal;
    const limit = seed.rate.perMinute(principal);
    if (limit === null) return;
    const decision = deps.rateLimiter.consume(`${name}:${principal.keyId}`, limit);
    if (decision instanceof Promise)
      return decision.then((settled) => applyDecision(seed, reply, limit, settled));
    applyDecision(seed, reply, limit, decision);
  };

  scope.addHook('onRequest', (request, reply, done) => {
    try {
      const secret = bearerToken(request);
      const cached = deps.apiKeys.cachedPrincipal(secret);
      const admitted = cached
        ? admit(request, reply, cached)
        : deps.apiKeys.authenticate(secret).then((principal) => admit(request, reply, principal));
      if (admitted) admitted.then(() => done(), done);
      else done();
    } catch (error) {
      done(error as Error);
    }
  });
}

function sendSeedError(seed: CompatSeed, request: FastifyRequest, reply: FastifyReply, error: AppError) {
  for (const [header, value] of Object.entries(error.headers)) {
    // A seed that documents no Retry-After sends none, on the quota's 429 either.
    if (header === 'Retry-After' && !seed.rate.retryAfter) continue;
    reply.header(header, value);
  }
  const shown =
    error.code === 'missing_api_key'
      ? new AppError(
          error.type,
          error.code,
          `No API key provided. Send 'Authorization: Bearer ${seed.keyExample}'.`,
        )
      : error;
  const { status, body } = seed.formatError(shown, request);
  return reply.code(seedStatus(seed, status)).type('application/json; charset=utf-8').send(body);
}

/** Sets up a seed's scope: key auth and limits, its error body for every error, its 404. */
export function registerCompatScope(
  scope: FastifyInstance,
  deps: CompatDeps,
  seed: CompatSeed,
  name: string,
): void {
  registerKeyAuth(scope, deps, seed, name);
  readAnyBodyAsJson(scope);
  // Every route of the scope takes an API key, and may answer the seed's error body: the seed's
  // OpenAPI document says so.
  scope.addHook('onRoute', (route) => {
    route.schema ??= {};
    const schema = route.schema as { security?: unknown; response?: Record<string, unknown> };
    schema.security ??= [{ bearerAuth: [] }];
    schema.response ??= {};
    schema.response['4XX'] ??= seed.errorSchema;
    schema.response['5XX'] ??= seed.errorSchema;
  });
  scope.setErrorHandler((error: FastifyError, request, reply) =>
    sendSeedError(seed, request, reply, resolveError(error, request)),
  );
  scope.setNotFoundHandler((request, reply) => sendSeedError(seed, request, reply, routeNotFound(request)));
}

/** "No chatbot found with id …" → "Chatbot not found.": the short form two seeds use. */
export function shortNotFound(error: AppError): string {
  const match = /^No (.+?) found with id/.exec(error.message);
  if (!match) return error.message;
  const what = match[1]!;
  return `${what.charAt(0).toUpperCase()}${what.slice(1)} not found.`;
}

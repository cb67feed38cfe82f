// Bearer authentication and rate limiting for /v1. Every handler behind them can rely on
// request.principal.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../lib/errors.ts';
import type { ApiKeyService, Principal } from '../modules/workspaces/api-key-service.ts';
import { limitRequest, type RateLimiter } from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Each server's key service, for work that must stop when the key it runs for is revoked. */
const keyServices = new WeakMap<object, Pick<ApiKeyService, 'watchRevocation'>>();

/**
 * Calls `onRevoked` once if the key that authenticated the request is revoked, on any node, while
 * its work goes on (an event stream). Returns the function that stops watching, or null when the
 * request was not authenticated with an API key.
 */
export function watchKeyRevocation(request: FastifyRequest, onRevoked: () => void): (() => void) | null {
  const principal = request.principal;
  const service = keyServices.get(request.server.server);
  if (!principal || !service) return null;
  return service.watchRevocation(principal.keyId, onRevoked);
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw AppError.unauthenticated(
      'invalid_authorization_header',
      "The Authorization header must be 'Bearer <API key>'.",
    );
  }
  return match[1];
}

/** The authenticated principal; only call behind the auth hook. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('principalOf called on an unauthenticated route');
  return request.principal;
}

/**
 * One onRequest hook that authenticates the key, then counts the request against its plan's
 * limit. A callback hook, not an async one: with the key in the cache and the counters in memory
 * (the common case) nothing here waits, and no promise is made per request.
 */
export function registerAuth(
  scope: FastifyInstance,
  deps: { apiKeys: ApiKeyService; rateLimiter: RateLimiter },
): void {
  const { apiKeys, rateLimiter } = deps;
  keyServices.set(scope.server, apiKeys);

  function admit(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    done: HookHandlerDoneFunction,
  ): void {
    request.principal = principal;
    let limited: void | Promise<void>;
    try {
      limited = limitRequest(rateLimiter, principal, reply);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (limited) limited.then(() => done(), done);
    else done();
  }

  scope.addHook('onRequest', (request, reply, done) => {
    // A malformed header throws here, and Fastify answers with the error.
    const secret = bearerToken(request);
    const cached = apiKeys.cachedPrincipal(secret);
    if (cached) {
      admit(request, reply, cached, done);
      return;
    }
    apiKeys.authenticate(secret).then((principal) => admit(request, reply, principal, done), done);
  });
}

export function decorateAuth(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
}

/** The tenant scope every repository query filters on: the key's workspace and environment. */
export function scopeOf(request: FastifyRequest): { workspaceId: string; environment: 'live' | 'test' } {
  const principal = principalOf(request);
  return { workspaceId: principal.workspaceId, environment: principal.environment };
}

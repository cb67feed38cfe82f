// Bearer authentication, people's session cookies, and rate limiting for /v1. Every handler
// behind them can rely on request.principal.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from '../lib/errors.ts';
import type { SessionService } from '../modules/users/session-service.ts';
import type { ApiKeyService, Principal } from '../modules/workspaces/api-key-service.ts';
import { checkRole, type Role } from './access.ts';
import { limitRequest, type RateLimiter } from './rate-limit.ts';

declare module '../modules/workspaces/api-key-service.ts' {
  interface Principal {
    /** Set when a person's session (not an API key) made the request: their role decides what they may call. */
    person?: { userId: string; role: Role; sessionId: string; csrfToken: string };
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Each server's key and session services, for work that must stop when its authentication ends. */
const keyServices = new WeakMap<object, Pick<ApiKeyService, 'watchRevocation'>>();
const sessionServices = new WeakMap<object, Pick<SessionService, 'watchEnd'>>();

/**
 * Calls `onEnded` once, with the error to show, if what authenticated the request ends on any
 * node while its work goes on (an event stream): the API key is revoked, or the person's session
 * ends (signed out here or everywhere, a password reset, removed, expired). Returns the function
 * that stops watching, or null when the request was not authenticated.
 */
export function watchAuthentication(
  request: FastifyRequest,
  onEnded: (error: AppError) => void,
): (() => void) | null {
  const principal = request.principal;
  if (!principal) return null;
  if (principal.person) {
    const sessions = sessionServices.get(request.server.server);
    if (!sessions) return null;
    return sessions.watchEnd(principal.person.sessionId, () =>
      onEnded(AppError.unauthenticated('session_expired', 'The session has ended: sign in again.')),
    );
  }
  const service = keyServices.get(request.server.server);
  if (!service) return null;
  return service.watchRevocation(principal.keyId, () =>
    onEnded(AppError.unauthenticated('api_key_revoked', 'The API key has been revoked. Create a new one.')),
  );
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
export const SESSION_COOKIE = 'parley_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A session's request must carry the session's anti-CSRF token on every unsafe method: another
 * site can make a browser send the cookie (top-level POSTs pass SameSite=Lax), never read the token.
 */
function checkSessionRequest(request: FastifyRequest, principal: Principal): void {
  const person = principal.person!;
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameToken(sent, person.csrfToken)) {
      throw new AppError(
        'permission_error',
        'csrf_token_invalid',
        `A signed-in session must send its CSRF token (from POST /v1/sessions or GET /v1/me) in the ${CSRF_HEADER} header.`,
      );
    }
  }
  checkRole(request, person.role);
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * With `sessions`, a request without an Authorization header may authenticate with a person's
 * session cookie instead (the /v1 API); without, API keys only.
 */
export function registerAuth(
  scope: FastifyInstance,
  deps: { apiKeys: ApiKeyService; rateLimiter: RateLimiter; sessions?: SessionService },
): void {
  const { apiKeys, rateLimiter, sessions } = deps;
  keyServices.set(scope.server, apiKeys);
  if (sessions) sessionServices.set(scope.server, sessions);

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
    const cookie = secret === undefined && sessions ? request.cookies?.[SESSION_COOKIE] : undefined;
    if (cookie && sessions) {
      sessions.authenticate(cookie).then((principal) => {
        try {
          if (!principal) {
            throw AppError.unauthenticated(
              'session_expired',
              'The session has ended (signed out or expired): sign in again with POST /v1/sessions.',
            );
          }
          checkSessionRequest(request, principal);
        } catch (error) {
          done(error as Error);
          return;
        }
        admit(request, reply, principal, done);
      }, done);
      return;
    }
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

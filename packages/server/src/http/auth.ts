// Bearer authentication for /v1. Every handler behind it can rely on request.principal.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.ts';
import type { ApiKeyService, Principal } from '../modules/workspaces/api-key-service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
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

export function registerAuth(scope: FastifyInstance, apiKeys: ApiKeyService): void {
  scope.addHook('onRequest', async (request) => {
    request.principal = await apiKeys.authenticate(bearerToken(request));
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

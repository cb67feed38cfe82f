// Who may call each /v1 route. API keys have full access to their workspace and environment; a
// person's session is held to the roles the route states in its schema (`x-roles`, also in the
// OpenAPI document). A /v1 route that states none is closed to sessions.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../lib/errors.ts';

export type Role = 'owner' | 'admin' | 'agent';

export const ROLES_KEY = 'x-roles';

/** Each role may do what the roles below it may: owners everything, agents the inbox. */
const AT_LEAST: Record<Role, Role[]> = {
  agent: ['owner', 'admin', 'agent'],
  admin: ['owner', 'admin'],
  owner: ['owner'],
};

/** The schema keyword a route spreads into its schema to state the least role that may call it. */
export function allow(minimum: Role): { [ROLES_KEY]: Role[] } {
  return { [ROLES_KEY]: AT_LEAST[minimum] };
}

export interface AccessRule {
  /** The least role for GET routes. */
  read: Role;
  /** The least role for every other method. */
  write: Role;
  /** By operationId, for routes that differ from the module's rule. */
  routes?: Record<string, Role>;
}

/**
 * Registers a module's routes under an access rule: every route that states no roles itself
 * gets the module's. This is where app.ts says who may call what.
 */
export function withAccess(plugin: FastifyPluginAsync, rule: AccessRule): FastifyPluginAsync {
  return async function register(instance: FastifyInstance): Promise<void> {
    instance.addHook('onRoute', (route: RouteOptions) => {
      route.schema ??= {};
      const schema = route.schema as Record<string, unknown>;
      if (schema[ROLES_KEY]) return;
      const operationId = typeof schema.operationId === 'string' ? schema.operationId : '';
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const reads = methods.every((method) => method === 'GET' || method === 'HEAD');
      schema[ROLES_KEY] = AT_LEAST[rule.routes?.[operationId] ?? (reads ? rule.read : rule.write)];
    });
    await instance.register(plugin);
  };
}

/** Throws the 403 a person gets on a route their role may not call. */
export function checkRole(request: FastifyRequest, role: Role): void {
  const roles = (request.routeOptions.schema as Record<string, unknown> | undefined)?.[ROLES_KEY] as
    | Role[]
    | undefined;
  if (!roles) {
    throw new AppError(
      'permission_error',
      'api_key_required',
      'This operation is open to API keys only, not to a signed-in session.',
    );
  }
  if (!roles.includes(role)) {
    throw new AppError(
      'permission_error',
      'insufficient_role',
      `This operation needs the role ${roles.join(' or ')}; your role is ${role}.`,
    );
  }
}

// Query parameters a route does not declare are refused, as unknown body fields are: a filter
// misspelt or not supported ("?is_active=true") would otherwise return the whole list as if it
// had been applied.
import type { FastifyInstance } from 'fastify';

/**
 * Within `scope`, every route's querystring schema refuses parameters it does not name, and a
 * route that takes none refuses any (`GET /v1/usage?month=…` is not December's usage).
 */
export function refuseUnknownQueryParameters(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    const query = route.schema?.querystring as { type?: string; additionalProperties?: unknown } | undefined;
    if (!query) {
      route.schema = {
        ...route.schema,
        querystring: { type: 'object', properties: {}, additionalProperties: false },
      };
      return;
    }
    if (query.type !== 'object' || query.additionalProperties !== undefined) return;
    // A copy: the same schema object may serve routes of other scopes.
    route.schema!.querystring = { ...query, additionalProperties: false };
  });
}

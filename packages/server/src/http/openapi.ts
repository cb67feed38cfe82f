// The OpenAPI 3.1 document is generated from the route schemas (the same ones that validate
// requests), served at /v1/openapi.json and rendered at /docs.
import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Type } from 'typebox';
import { ERROR_STATUS } from '../lib/errors.ts';
import { ROLES_KEY } from './access.ts';

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      type: Type.Enum(Object.keys(ERROR_STATUS)),
      code: Type.String(),
      message: Type.String(),
      param: Type.Optional(Type.String()),
      status: Type.Integer(),
      request_id: Type.Optional(Type.String()),
    }),
  },
  { $id: 'ErrorEnvelope', description: 'Every error has this shape.' },
);

/**
 * Adds the error envelope to every API route's responses, so the document shows it everywhere.
 * /v1 needs an API key; the widget's /public/v1 needs none (a conversation token, where said).
 */
function addErrorResponses(route: RouteOptions): void {
  const isPublic = route.url.startsWith('/public/v1') || route.url.startsWith('/hooks/');
  if (!(route.url.startsWith('/v1') || isPublic) || route.url === '/v1/openapi.json') return;
  route.schema ??= {};
  const schema = route.schema;
  schema.response ??= {};
  const response = schema.response as Record<string, unknown>;
  response['4XX'] ??= { $ref: 'ErrorEnvelope#' };
  response['5XX'] ??= { $ref: 'ErrorEnvelope#' };
  const current = (schema as { security?: unknown }).security;
  if (current === undefined) {
    (schema as { security?: unknown }).security = isPublic ? [] : [{ bearerAuth: [] }];
  }
}

/** The generated document, with only the paths `keep` accepts (the generated one is not changed). */
export function documentOfPaths(app: FastifyInstance, keep: (path: string) => boolean) {
  const document = app.swagger() as { paths?: Record<string, unknown> };
  const paths = Object.fromEntries(Object.entries(document.paths ?? {}).filter(([path]) => keep(path)));
  return { ...document, paths };
}

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.addSchema(ErrorEnvelope);
  app.addHook('onRoute', addErrorResponses);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version,
        description:
          'Self-hosted AI customer-support chatbots. Authenticate with `Authorization: Bearer prl_live_…` (or a `prl_test_…` key for the test environment).',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Parley API key.' },
          sessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'parley_session',
            description:
              'A signed-in person’s session (POST /v1/sessions); unsafe methods also need its X-CSRF-Token.',
          },
        },
      },
    },
    // An operation that states the roles it admits (x-roles) takes a person's session too.
    transform: ({ schema, url }) => {
      const stated = schema as
        | { security?: { [scheme: string]: readonly string[] }[]; [ROLES_KEY]?: unknown }
        | undefined;
      if (!stated?.[ROLES_KEY] || !stated.security?.length) return { schema, url };
      return { schema: { ...schema, security: [...stated.security, { sessionCookie: [] }] }, url };
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  // The /compat prefixes speak other products' APIs: each has its own document (modules/compat).
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () =>
    documentOfPaths(app, (path) => !path.startsWith('/compat/')),
  );
  await app.register(scalar, { routePrefix: '/docs', configuration: { url: '/v1/openapi.json' } });
}

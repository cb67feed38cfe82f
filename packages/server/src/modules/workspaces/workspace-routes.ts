// /v1/workspace and /v1/api-keys.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/auth.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { IdParams } from '../../http/schemas.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId } from '../../lib/ids.ts';
import type { ApiKeyService, Principal } from './api-key-service.ts';
import {
  ApiKeyResponse,
  CreateApiKeyBody,
  CreatedApiKeyResponse,
  presentApiKey,
  presentWorkspace,
  WorkspaceResponse,
} from './workspace-schemas.ts';

export function workspaceRoutes(deps: { apiKeys: ApiKeyService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Workspace'];

    // A cached principal is the same object for every request of its key until it is dropped
    // (revocation, plan change, expiry), so its presentation is built once.
    const presented = new WeakMap<Principal, ReturnType<typeof presentWorkspace>>();
    app.get(
      '/v1/workspace',
      { schema: { operationId: 'getWorkspace', tags, response: { 200: WorkspaceResponse } } },
      (request) => {
        const principal = principalOf(request);
        let body = presented.get(principal);
        if (!body) {
          body = presentWorkspace(principal);
          presented.set(principal, body);
        }
        return body;
      },
    );

    app.get(
      '/v1/api-keys',
      {
        schema: {
          operationId: 'listApiKeys',
          tags,
          description: "Lists the keys of the calling key's workspace and environment, newest first.",
          querystring: PageQuery,
          response: { 200: pageSchema(ApiKeyResponse) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const page = parsePage(request.query);
        const rows = await deps.apiKeys.list(
          { workspaceId: principal.workspaceId, environment: principal.environment },
          { limit: page.pageSize + 1, beforeId: page.afterId },
        );
        return toPage(rows, page, presentApiKey);
      },
    );

    app.post(
      '/v1/api-keys',
      {
        schema: {
          operationId: 'createApiKey',
          tags,
          description: "Creates a key in the calling key's environment. The secret is in this response only.",
          body: CreateApiKeyBody,
          response: { 201: CreatedApiKeyResponse },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const created = await deps.apiKeys.create(
          principal.workspaceId,
          principal.environment,
          request.body.name,
          undefined,
          request.body.format,
        );
        return reply.code(201).send({ ...presentApiKey(created.row), key: created.secret });
      },
    );

    app.delete(
      '/v1/api-keys/:id',
      {
        schema: {
          operationId: 'revokeApiKey',
          tags,
          description: 'Revokes a key at once, on every node. Revoking a revoked key changes nothing.',
          params: IdParams,
          response: { 200: ApiKeyResponse },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const id = decodeId('key', request.params.id, 'id');
        const revoked = await deps.apiKeys.revoke(
          { workspaceId: principal.workspaceId, environment: principal.environment },
          id,
        );
        if (!revoked) throw AppError.notFound('API key', request.params.id);
        return presentApiKey(revoked);
      },
    );
  };
}

// The chatbot platform's agent loops: Parley's agent loops, in page/per_page pages, 201 on create
// and on run (an execution is created, queued; `?wait=true` answers when it ends): the seed's
// status table has no 202.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../../http/auth.ts';
import { optionalBody } from '../../../http/json-body.ts';
import { DeletedResponse, IdParams } from '../../../http/schemas.ts';
import { decodeId } from '../../../lib/ids.ts';
import { loopActions } from '../../agent-loops/agent-loop-actions.ts';
import {
  CreateLoopBody,
  ExecutionResponse,
  LoopResponse,
  presentExecution,
  presentLoop,
  RunLoopBody,
  RunLoopQuery,
  UpdateLoopBody,
} from '../../agent-loops/agent-loop-schemas.ts';
import type { AgentLoopService } from '../../agent-loops/agent-loop-service.ts';
import { OffsetQuery, offsetPageSchema, offsetResponse } from './platform-scope.ts';

export function platformLoopRoutes(deps: { agentLoops: AgentLoopService }) {
  const loops = deps.agentLoops;
  const actions = loopActions(loops);
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Agent loops'];
    const loopId = (id: string) => decodeId('loop', id, 'id');

    app.get(
      '/agent-loops',
      {
        schema: {
          operationId: 'listAgentLoops',
          tags,
          description: 'Agent loops, newest first.',
          querystring: OffsetQuery,
          response: { 200: offsetPageSchema(LoopResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        return offsetResponse(
          request.query,
          (limit) => loops.list(scope, { limit, beforeId: null }),
          (rows) => rows.map((row) => presentLoop(row, loops.secretNames(row))),
        );
      },
    );

    app.post(
      '/agent-loops',
      {
        schema: {
          operationId: 'createAgentLoop',
          tags,
          description:
            "Creates an agent loop on a bot's model, or on the integration named by `integration_id` (it must call tools: `warnings` says when it cannot).",
          body: CreateLoopBody,
          response: { 201: LoopResponse },
        },
      },
      async (request, reply) => reply.code(201).send(await actions.create(scopeOf(request), request.body)),
    );

    app.get(
      '/agent-loops/:id',
      { schema: { operationId: 'getAgentLoop', tags, params: IdParams, response: { 200: LoopResponse } } },
      async (request) => actions.read(scopeOf(request), request.params.id),
    );

    app.patch(
      '/agent-loops/:id',
      {
        schema: {
          operationId: 'updateAgentLoop',
          tags,
          description: 'Changes the fields sent.',
          params: IdParams,
          body: UpdateLoopBody,
          response: { 200: LoopResponse },
        },
      },
      async (request) => actions.update(scopeOf(request), request.params.id, request.body),
    );

    app.delete(
      '/agent-loops/:id',
      {
        schema: {
          operationId: 'deleteAgentLoop',
          tags,
          description: 'Deletes the loop and its executions.',
          params: IdParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => actions.remove(scopeOf(request), request.params.id),
    );

    app.post(
      '/agent-loops/:id/run',
      {
        schema: {
          operationId: 'runAgentLoop',
          tags,
          description: 'Starts an execution with `input` (201, queued; `?wait=true` waits up to 30 s).',
          params: IdParams,
          querystring: RunLoopQuery,
          body: RunLoopBody,
          response: { 201: ExecutionResponse },
        },
        // The body is optional: a bare POST runs the loop with no input.
        preValidation: optionalBody,
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await actions.run(scopeOf(request), request.params.id, request.body?.input, request.query.wait),
          ),
    );

    app.get(
      '/agent-loops/:id/executions',
      {
        schema: {
          operationId: 'listAgentLoopExecutions',
          tags,
          description: "The loop's executions, newest first, without their steps.",
          params: IdParams,
          querystring: OffsetQuery,
          response: { 200: offsetPageSchema(ExecutionResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const id = loopId(request.params.id);
        return offsetResponse(
          request.query,
          (limit) => loops.listExecutions(scope, id, { limit, beforeId: null }),
          (rows) => rows.map((row) => presentExecution(row)),
        );
      },
    );
  };
}

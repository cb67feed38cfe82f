// /v1/agent-loops (CRUD, run, executions) and /v1/agent-loop-executions/{id} (read, follow live,
// cancel, approve or reject, retry).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { optionalBody } from '../../http/json-body.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { decodeId, encodeId } from '../../lib/ids.ts';
import { loopActions } from './agent-loop-actions.ts';
import {
  CreateLoopBody,
  ExecutionResponse,
  ListExecutionsQuery,
  LoopResponse,
  presentExecution,
  presentLoop,
  RunLoopBody,
  RunLoopQuery,
  UpdateLoopBody,
} from './agent-loop-schemas.ts';
import type { AgentLoopService } from './agent-loop-service.ts';
import { followExecution } from './execution-stream.ts';

/** Who decided: the person signed in, or the API key. */
function deciderOf(request: FastifyRequest): string {
  const principal = request.principal!;
  return principal.person ? encodeId('usr', principal.person.userId) : encodeId('key', principal.keyId);
}

export function agentLoopRoutes(deps: { agentLoops: AgentLoopService }) {
  const loops = deps.agentLoops;
  const actions = loopActions(loops);
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Agent loops'];
    const loopId = (id: string) => decodeId('loop', id, 'id');
    const executionId = (id: string) => decodeId('exec', id, 'id');

    app.post(
      '/v1/agent-loops',
      {
        schema: {
          operationId: 'createAgentLoop',
          tags,
          description: [
            'Creates an agent loop: a model, given the instructions and tools, runs until it calls `finish`',
            "or reaches a limit. The model is the loop's own `integration_id` (any integration of the",
            "workspace and environment), or else the chatbot's enabled integration; it must call tools (the",
            'offline answerer cannot): `warnings` says when there is none. An unknown `integration_id` is a',
            '404 naming it, and nothing is stored.',
          ].join(' '),
          body: CreateLoopBody,
          response: { 201: LoopResponse },
        },
      },
      async (request, reply) => reply.code(201).send(await actions.create(scopeOf(request), request.body)),
    );

    app.get(
      '/v1/agent-loops',
      {
        schema: {
          operationId: 'listAgentLoops',
          tags,
          description: 'Lists agent loops, newest first.',
          querystring: PageQuery,
          response: { 200: pageSchema(LoopResponse) },
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await loops.list(scopeOf(request), { limit: page.pageSize + 1, beforeId: page.afterId });
        return toPage(rows, page, (row) => presentLoop(row, loops.secretNames(row)));
      },
    );

    app.get(
      '/v1/agent-loops/:id',
      { schema: { operationId: 'getAgentLoop', tags, params: IdParams, response: { 200: LoopResponse } } },
      async (request) => actions.read(scopeOf(request), request.params.id),
    );

    app.patch(
      '/v1/agent-loops/:id',
      {
        schema: {
          operationId: 'updateAgentLoop',
          tags,
          description: [
            'Changes the fields sent. `secrets`, when sent, replace all the earlier ones.',
            "`integration_id: null` puts the loop back on its chatbot's enabled integration.",
          ].join(' '),
          params: IdParams,
          body: UpdateLoopBody,
          response: { 200: LoopResponse },
        },
      },
      async (request) => actions.update(scopeOf(request), request.params.id, request.body),
    );

    app.delete(
      '/v1/agent-loops/:id',
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
      '/v1/agent-loops/:id/run',
      {
        schema: {
          operationId: 'runAgentLoop',
          tags,
          description: [
            'Starts an execution with `input` (202, queued). With `?wait=true` the answer comes when it',
            'ends or waits for an approval, or after 30 s, with the steps so far.',
          ].join(' '),
          params: IdParams,
          querystring: RunLoopQuery,
          body: RunLoopBody,
          response: { 202: ExecutionResponse },
        },
        // The body is optional: a bare POST runs the loop with no input.
        preValidation: optionalBody,
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(
            await actions.run(scopeOf(request), request.params.id, request.body?.input, request.query.wait),
          ),
    );

    app.get(
      '/v1/agent-loops/:id/executions',
      {
        schema: {
          operationId: 'listAgentLoopExecutions',
          tags,
          description: "Lists the loop's executions, newest first, without their steps.",
          params: IdParams,
          querystring: ListExecutionsQuery,
          response: { 200: pageSchema(ExecutionResponse) },
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await loops.listExecutions(scopeOf(request), loopId(request.params.id), {
          limit: page.pageSize + 1,
          beforeId: page.afterId,
        });
        return toPage(rows, page, (row) => presentExecution(row));
      },
    );

    app.get(
      '/v1/agent-loop-executions/:id',
      {
        schema: {
          operationId: 'getAgentLoopExecution',
          tags,
          description: 'An execution with every step recorded so far.',
          params: IdParams,
          response: { 200: ExecutionResponse },
        },
      },
      async (request) => {
        const { execution, steps } = await loops.executionWithSteps(
          scopeOf(request),
          executionId(request.params.id),
        );
        return presentExecution(execution, steps);
      },
    );

    app.get(
      '/v1/agent-loop-executions/:id/events',
      {
        schema: {
          operationId: 'streamAgentLoopExecution',
          tags,
          description: [
            "Server-sent events of an execution's progress: `step` (each step when it is recorded and",
            'again when its status changes: a tool call `started` then its result, an approval `pending`',
            'then decided; `id` is `<seq>.<status>` for Last-Event-ID), `execution` (its state, when it',
            'changes) and, once it has ended, `end` with its final state, after which the stream closes.',
            'A stream opened on an ended execution sends its steps and `end` at once.',
          ].join(' '),
          params: IdParams,
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request);
        const execution = await loops.getExecution(scope, executionId(request.params.id));
        const lastEventId = request.headers['last-event-id'];
        followExecution(
          reply,
          loops,
          scope,
          execution,
          typeof lastEventId === 'string' ? lastEventId : undefined,
        );
        return reply;
      },
    );

    app.post(
      '/v1/agent-loop-executions/:id/cancel',
      {
        schema: {
          operationId: 'cancelAgentLoopExecution',
          tags,
          description:
            'Cancels an open execution; a step under way finishes, none starts after it. 409 once ended.',
          params: IdParams,
          response: { 200: ExecutionResponse },
        },
      },
      async (request) =>
        presentExecution(await loops.cancel(scopeOf(request), executionId(request.params.id))),
    );

    app.post(
      '/v1/agent-loop-executions/:id/retry',
      {
        schema: {
          operationId: 'retryAgentLoopExecution',
          tags,
          description: [
            'Takes a failed or limit_reached execution up again from the step that failed: the steps',
            'recorded before it are kept and given to the model as they were, so no finished tool call',
            'runs again. A call whose outcome a crash left unknown is sent once more with its',
            'idempotency key (recorded as approved by the caller). The time limit counts from the',
            'retry; raise a step, tool-call or token limit first (PATCH the loop), or it stops at it',
            'again. 409 `execution_not_retryable` for other statuses; send an `Idempotency-Key` to',
            'repeat the request safely.',
          ].join(' '),
          params: IdParams,
          response: { 200: ExecutionResponse },
        },
      },
      async (request) =>
        presentExecution(
          await loops.retry(scopeOf(request), executionId(request.params.id), deciderOf(request)),
        ),
    );

    for (const [action, decision] of [
      ['approve', 'approved'],
      ['reject', 'rejected'],
    ] as const) {
      app.post(
        `/v1/agent-loop-executions/:id/${action}`,
        {
          schema: {
            operationId: `${action}AgentLoopExecution`,
            tags,
            description: `${action === 'approve' ? 'Approves' : 'Rejects'} the tool call an execution in awaiting_approval waits on; the execution goes on. 409 when it waits on nothing.`,
            params: IdParams,
            response: { 200: ExecutionResponse },
          },
        },
        async (request) => {
          const execution = await loops.decide(
            scopeOf(request),
            executionId(request.params.id),
            decision,
            deciderOf(request),
          );
          return presentExecution(execution);
        },
      );
    }
  };
}

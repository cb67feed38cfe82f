// Runs one execution, step by step, each step written before the next begins. A worker that
// picks an execution up again (a crash, a restart, an approval) rebuilds where it was from the
// steps alone; a side-effecting call found started but not finished is never repeated blindly.
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import type { ExecutionStatus } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { newUuid } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import { recordEvent } from '../events/event-outbox.ts';
import type { ProviderRegistry } from '../providers/provider-registry.ts';
import * as repo from './agent-loop-repository.ts';
import {
  type ExecutionRow,
  type LoopRow,
  presentExecution,
  type StepRow,
  type ToolName,
} from './agent-loop-schemas.ts';
import { historyOf, pendingCalls, repeatsTwice } from './loop-history.ts';
import { type LoopIntegrations, loopConnection } from './loop-integration.ts';
import { type ToolDeps, ToolInputError, toolOf, toolSpecs } from './loop-tools.ts';

/** A running execution whose lease is not renewed for this long is taken up by another worker. */
export const LEASE_SECONDS = 15;

/** Why a run stopped before its model finished. */
class Stop extends Error {
  readonly status: ExecutionStatus;
  readonly code: string;
  constructor(status: ExecutionStatus, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function createLoopRunner(deps: {
  db: Database;
  logger: Logger;
  secretBox: SecretBox;
  integrations: LoopIntegrations;
  providers: Pick<ProviderRegistry, 'toolModel'>;
  tools: ToolDeps;
}) {
  const { db } = deps;

  async function finish(
    execution: ExecutionRow,
    status: ExecutionStatus,
    fields: { output?: unknown; errorCode?: string; errorMessage?: string },
  ): Promise<void> {
    await db.orm.transaction(async (tx) => {
      const ended = await repo.updateExecution(
        tx,
        execution.id,
        {
          status,
          output: fields.output ?? null,
          errorCode: fields.errorCode ?? null,
          errorMessage: fields.errorMessage ?? null,
          finishedAt: new Date(),
        },
        ['running'],
      );
      if (!ended) return; // cancelled meanwhile: the cancellation stands
      const type = status === 'failed' ? 'agent_loop.failed' : 'agent_loop.completed';
      if (status !== 'cancelled') await recordEvent(tx, ended, type, presentExecution(ended));
    });
  }

  /** Runs the execution until it ends or waits for a person. Safe to call again at any point. */
  async function run(executionId: string): Promise<void> {
    let execution = await repo.findExecutionById(db.orm, executionId);
    if (!execution || !['queued', 'running'].includes(execution.status)) return;
    const loop = await repo.findLoopById(db.orm, execution.loopId);
    if (!loop) return;
    // A scheduled run queued behind an open one (overlap: queue) waits for it; the scheduler's
    // sweep sends its job again.
    if (execution.status === 'queued' && loop.trigger.type === 'cron' && loop.trigger.overlap === 'queue') {
      const open = await repo.openExecutions(db.orm, loop.id);
      if (open.some((other) => other.id < execution!.id)) return;
    }
    // One worker at a time: the lease is renewed while it works, and a worker that dies lets it
    // lapse, after which the scheduler's sweep sends the job again and another worker resumes.
    execution = await repo.claimExecution(db.orm, execution.id, new Date(Date.now() - LEASE_SECONDS * 1000));
    if (!execution) return;
    const claimed = execution;
    const lease = setInterval(
      () => {
        repo
          .renewLease(db.orm, claimed.id)
          .catch((error) => deps.logger.warn({ err: error }, 'lease renewal failed'));
      },
      (LEASE_SECONDS * 1000) / 3,
    );
    try {
      await steps(loop, execution);
    } catch (error) {
      if (error instanceof Stop) {
        if (error.status === 'awaiting_approval') return;
        await finish(execution, error.status, { errorCode: error.code, errorMessage: error.message });
        return;
      }
      deps.logger.error({ err: error, executionId }, 'agent loop execution failed');
      await finish(execution, 'failed', {
        errorCode: 'internal_error',
        errorMessage: (error as Error).message,
      });
    } finally {
      clearInterval(lease);
    }
  }

  async function steps(loop: LoopRow, started: ExecutionRow): Promise<void> {
    const scope: Scope = { workspaceId: loop.workspaceId, environment: loop.environment };
    // Read at each (re)start: a loop changed to another integration resumes on the new one.
    const connection = await loopConnection(deps.integrations, scope, loop);
    if (!connection) {
      throw new Stop(
        'failed',
        'no_tool_model',
        'The loop names no integration of its own and its chatbot has no enabled integration with a model that calls tools; the offline answerer cannot.',
      );
    }
    const model = deps.providers.toolModel(connection);
    const secrets = loop.secretsSealed ? JSON.parse(deps.secretBox.decrypt(loop.secretsSealed)) : {};
    const specs = toolSpecs(loop.tools.map((tool) => tool.name as ToolName));
    const deadline = started.startedAt!.getTime() + loop.limits.timeoutSeconds * 1000;
    const recorded = await repo.listSteps(db.orm, started.id);
    let execution = started;

    const write = async (
      row: Omit<
        typeof import('../../db/schema.ts').agentLoopSteps.$inferInsert,
        'id' | 'executionId' | 'seq'
      >,
    ) => {
      const step = await repo.insertStep(db.orm, {
        id: newUuid(),
        executionId: execution.id,
        seq: recorded.length + 1,
        ...row,
      });
      // Another worker wrote this step: it has the execution; this one stops.
      if (!step) throw new Stop('awaiting_approval', 'taken_over', 'Another worker runs this execution.');
      recorded.push(step);
      return step;
    };
    const rewrite = async (step: StepRow, set: Partial<StepRow>) => {
      const updated = await repo.updateStep(db.orm, step.id, set);
      recorded[recorded.indexOf(step)] = updated;
      return updated;
    };
    const count = async (set: Partial<ExecutionRow>) => {
      const updated = await repo.updateExecution(db.orm, execution.id, set, ['running']);
      if (!updated) throw new Stop('cancelled', 'cancelled', 'The execution was cancelled.');
      execution = updated;
    };

    for (;;) {
      const current = await repo.findExecutionById(db.orm, execution.id);
      if (current?.status !== 'running') return; // cancelled
      if (Date.now() > deadline) {
        throw new Stop(
          'limit_reached',
          'timeout',
          `The run took longer than ${loop.limits.timeoutSeconds} s.`,
        );
      }
      const pending = pendingCalls(recorded);
      if (pending.length > 0) {
        // Over the budget, a turn's other calls are left undone: its finish, wherever it stands
        // among them, is taken first and ends the run with the answer.
        const overBudgetNow = execution.tokensUsed >= loop.limits.tokenBudget;
        const call =
          (overBudgetNow && pending.find((pendingCall) => pendingCall.name === 'finish')) || pending[0]!;
        // finish is offered to every loop (toolSpecs), without approval.
        const setting =
          loop.tools.find((tool) => tool.name === call.name) ??
          (call.name === 'finish' ? { name: 'finish', needsApproval: false } : undefined);
        const tool = toolOf(call.name);
        const prior = recorded.findLast((step) => step.kind === 'tool' && step.toolCallId === call.id);
        const approval = recorded.findLast((step) => step.kind === 'approval' && step.toolCallId === call.id);
        const input = (call.input ?? {}) as Record<string, unknown>;

        // A call started before a crash, whose outcome nobody knows.
        if (prior?.status === 'started' && tool?.sideEffect && approval?.status !== 'approved') {
          await rewrite(prior, {
            status: 'unknown',
            errorCode: 'unknown_outcome',
            errorMessage: 'The worker stopped during this call; whether it took effect is unknown.',
          });
        }
        const unknown =
          recorded.findLast((step) => step.kind === 'tool' && step.toolCallId === call.id)?.status ===
          'unknown';
        if (unknown && approval?.status !== 'approved') {
          if (loop.onUnknownOutcome === 'fail' || approval?.status === 'rejected') {
            throw new Stop(
              'failed',
              'unknown_outcome',
              `The ${call.name} call was interrupted and may or may not have taken effect; it was not repeated.`,
            );
          }
          await askApproval(call, input, 'unknown_outcome');
        }
        // A turn that went over the budget has its calls left undone, as they may have side effects;
        // its finish still ends the run with the model's answer.
        if (call.name !== 'finish' && execution.tokensUsed >= loop.limits.tokenBudget) throw overBudget();
        if (!setting || !tool) {
          // A call of a tool the loop lacks is still a call: it counts, and repeating it ends the run.
          checkCallLimits(call.name, input);
          await refuse(call, input, 'unknown_tool', `This loop has no tool named ${call.name}.`);
          await count({ toolCallCount: execution.toolCallCount + 1 });
          continue;
        }
        if (setting.needsApproval && !unknown) {
          if (!approval) await askApproval(call, input, 'needs_approval');
          if (approval?.status === 'pending') throw new Stop('awaiting_approval', 'awaiting_approval', '');
          if (approval?.status === 'rejected') {
            await refuse(call, input, 'rejected', 'A person rejected this call.');
            continue;
          }
        }
        checkCallLimits(call.name, input);
        const step =
          prior?.status === 'started' && !tool.sideEffect
            ? prior
            : await write({
                kind: 'tool',
                status: 'started',
                tool: call.name,
                toolCallId: call.id,
                input,
                idempotencyKey: tool.sideEffect ? `${execution.id}:${call.id}` : null,
              });
        const began = performance.now();
        let result: { output: unknown } | { code: string; message: string };
        try {
          const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
          result = {
            output: await tool.run(
              deps.tools,
              { scope, loop, secrets, idempotencyKey: `${execution.id}:${call.id}`, signal },
              input,
            ),
          };
        } catch (error) {
          const known = error instanceof ToolInputError || (error as { type?: string }).type !== undefined;
          result = { code: known ? 'tool_error' : 'tool_failed', message: (error as Error).message };
        }
        const durationMs = Math.round(performance.now() - began);
        await rewrite(
          step,
          'output' in result
            ? { status: 'succeeded', output: result.output as never, durationMs, finishedAt: new Date() }
            : {
                status: 'failed',
                errorCode: result.code,
                errorMessage: result.message,
                durationMs,
                finishedAt: new Date(),
              },
        );
        await count({ toolCallCount: execution.toolCallCount + 1 });
        if (call.name === 'finish' && 'output' in result) {
          await finish(execution, 'succeeded', { output: result.output });
          return;
        }
        continue;
      }

      const modelTurns = recorded.filter((step) => step.kind === 'model').length;
      if (modelTurns >= loop.limits.maxSteps) {
        throw new Stop(
          'limit_reached',
          'max_steps',
          `The run reached its limit of ${loop.limits.maxSteps} steps.`,
        );
      }
      if (execution.tokensUsed >= loop.limits.tokenBudget) throw overBudget();
      const began = performance.now();
      let turn: Awaited<ReturnType<typeof model.turn>>;
      try {
        turn = await model.turn({
          system: loop.instructions,
          messages: historyOf(execution.input, recorded),
          tools: specs,
          signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        });
      } catch (error) {
        if (Date.now() >= deadline) {
          throw new Stop(
            'limit_reached',
            'timeout',
            `The run took longer than ${loop.limits.timeoutSeconds} s.`,
          );
        }
        throw new Stop(
          'failed',
          (error as { code?: string }).code ?? 'model_failed',
          (error as Error).message,
        );
      }
      await write({
        kind: 'model',
        status: 'succeeded',
        text: turn.text || null,
        toolCalls: turn.toolCalls,
        inputTokens: turn.usage.inputTokens,
        outputTokens: turn.usage.outputTokens,
        durationMs: Math.round(performance.now() - began),
        finishedAt: new Date(),
      });
      await count({
        stepCount: execution.stepCount + 1,
        tokensUsed: execution.tokensUsed + turn.usage.inputTokens + turn.usage.outputTokens,
      });
      if (turn.toolCalls.length === 0) {
        // The model answered without a tool: its text is the output.
        await finish(execution, 'succeeded', { output: turn.text });
        return;
      }
    }

    /** A call that is not run: recorded as failed, and the model is told why. */
    /** The limits every call is held to before it runs: three identical calls in a row, and the count. */
    function checkCallLimits(name: string, input: unknown): void {
      if (repeatsTwice(recorded, name, input)) {
        throw new Stop(
          'limit_reached',
          'repeated_tool_call',
          `${name} was called with the same input three times in a row.`,
        );
      }
      if (execution.toolCallCount >= loop.limits.maxToolCalls) {
        throw new Stop(
          'limit_reached',
          'max_tool_calls',
          `The run reached its limit of ${loop.limits.maxToolCalls} tool calls.`,
        );
      }
    }

    function overBudget(): Stop {
      return new Stop(
        'limit_reached',
        'token_budget',
        `The run used its budget of ${loop.limits.tokenBudget} tokens.`,
      );
    }

    async function refuse(call: { id: string; name: string }, input: unknown, code: string, message: string) {
      await write({
        kind: 'tool',
        status: 'failed',
        tool: call.name,
        toolCallId: call.id,
        input: input as never,
        errorCode: code,
        errorMessage: message,
        durationMs: 0,
        finishedAt: new Date(),
      });
    }

    async function askApproval(
      call: { id: string; name: string },
      input: unknown,
      reason: string,
    ): Promise<never> {
      await db.orm.transaction(async (tx) => {
        const step = await repo.insertStep(tx, {
          id: newUuid(),
          executionId: execution.id,
          seq: recorded.length + 1,
          kind: 'approval',
          status: 'pending',
          tool: call.name,
          toolCallId: call.id,
          input: input as never,
          errorCode: reason === 'unknown_outcome' ? reason : null,
        });
        if (!step) return;
        const paused = await repo.updateExecution(tx, execution.id, { status: 'awaiting_approval' }, [
          'running',
        ]);
        if (paused)
          await recordEvent(tx, paused, 'agent_loop.awaiting_approval', {
            ...presentExecution(paused),
            tool: call.name,
            tool_call_id: call.id,
            input,
            reason,
          });
      });
      throw new Stop('awaiting_approval', 'awaiting_approval', '');
    }
  }

  return { run };
}

export type LoopRunner = ReturnType<typeof createLoopRunner>;

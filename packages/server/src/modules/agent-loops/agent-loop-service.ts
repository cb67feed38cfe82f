// Agent loops: their settings (CRUD), and starting, reading, approving and cancelling their
// executions. The executions themselves run in loop-runner.ts, as jobs.
import type { Database, Executor } from '../../db/client.ts';
import type { ExecutionStatus } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { JOBS } from '../../jobs/catalog.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId, newUuid } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import { recordEvent } from '../events/event-outbox.ts';
import * as repo from './agent-loop-repository.ts';
import { type ExecutionRow, type LoopRow, presentExecution, type StepRow } from './agent-loop-schemas.ts';
import { checkLoopIntegration, type LoopIntegrations, loopConnection } from './loop-integration.ts';
import {
  cleanHosts,
  cleanLimits,
  cleanTools,
  cleanTrigger,
  type LimitsInput,
  nextRunOf,
  type ToolInput,
  type TriggerInput,
} from './loop-settings.ts';

export interface LoopInput {
  name?: string;
  instructions?: string;
  tools?: ToolInput[];
  trigger?: TriggerInput;
  limits?: LimitsInput;
  allowed_hosts?: string[];
  secrets?: Record<string, string>;
  on_unknown_outcome?: 'fail' | 'pause';
  enabled?: boolean;
  /** Decoded (a UUID); null: the chatbot's enabled integration. */
  integration_id?: string | null;
}

export type Trigger = 'manual' | 'cron' | 'event';

/** What a retry takes up again; a cancelled execution was stopped on purpose. */
const RETRYABLE_STATUSES: ExecutionStatus[] = ['failed', 'limit_reached'];

export const NO_TOOL_MODEL_WARNING =
  'The loop names no integration of its own and its chatbot has no enabled integration with a provider that calls tools (OpenAI, Anthropic, Gemini, Ollama or an OpenAI-compatible server): runs fail with no_tool_model until it has one.';

function blank(value: string | undefined, param: string): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!trimmed) throw AppError.invalid('invalid_parameter', `The field '${param}' must not be blank.`, param);
  return trimmed;
}

export function createAgentLoopService(deps: {
  db: Database;
  secretBox: SecretBox;
  jobs: JobSender;
  chatbots: Pick<ChatbotService, 'assertExists'>;
  integrations: LoopIntegrations;
  /** The scheduler's clock: tests move it. */
  now?: () => Date;
}) {
  const { db, secretBox } = deps;
  const now = deps.now ?? (() => new Date());

  const secretNames = (row: LoopRow) =>
    row.secretsSealed ? Object.keys(JSON.parse(secretBox.decrypt(row.secretsSealed))) : [];

  async function warningsFor(scope: Scope, row: LoopRow): Promise<string[]> {
    const connection = await loopConnection(deps.integrations, scope, row);
    return connection ? [] : [NO_TOOL_MODEL_WARNING];
  }

  async function getLoop(scope: Scope, id: string): Promise<LoopRow> {
    const row = await repo.findLoop(db.orm, scope, id);
    if (!row) throw AppError.notFound('agent loop', encodeId('loop', id));
    return row;
  }

  async function getExecution(scope: Scope, id: string): Promise<ExecutionRow> {
    const row = await repo.findExecution(db.orm, scope, id);
    if (!row) throw AppError.notFound('agent loop execution', encodeId('exec', id));
    return row;
  }

  /** Creates an execution (queued) and its job, with the started event, in one transaction. */
  async function startExecution(
    tx: Executor,
    loop: LoopRow,
    triggeredBy: Trigger,
    input: unknown,
  ): Promise<ExecutionRow> {
    const execution = await repo.insertExecution(tx, {
      id: newUuid(),
      workspaceId: loop.workspaceId,
      environment: loop.environment,
      loopId: loop.id,
      triggeredBy,
      input: input ?? null,
    });
    await recordEvent(tx, loop, 'agent_loop.execution.started', presentExecution(execution));
    return execution;
  }

  async function queue(execution: ExecutionRow): Promise<void> {
    await deps.jobs.send(
      JOBS.runAgentLoop.name,
      { executionId: execution.id },
      { singletonKey: execution.id },
    );
  }

  return {
    secretNames,
    warningsFor,
    getLoop,
    getExecution,
    startExecution,
    queue,

    async create(scope: Scope, chatbotId: string, input: LoopInput & { name: string; instructions: string }) {
      await deps.chatbots.assertExists(scope, chatbotId);
      if (input.integration_id) await checkLoopIntegration(deps.integrations, scope, input.integration_id);
      const trigger = cleanTrigger(input.trigger ?? { type: 'manual' });
      const row = await repo.insertLoop(db.orm, {
        id: newUuid(),
        workspaceId: scope.workspaceId,
        environment: scope.environment,
        chatbotId,
        integrationId: input.integration_id ?? null,
        name: blank(input.name, 'name')!,
        instructions: blank(input.instructions, 'instructions')!,
        tools: cleanTools(input.tools ?? []),
        trigger,
        limits: cleanLimits(input.limits),
        allowedHosts: cleanHosts(input.allowed_hosts ?? []),
        secretsSealed: input.secrets ? secretBox.encrypt(JSON.stringify(input.secrets)) : null,
        onUnknownOutcome: input.on_unknown_outcome ?? 'fail',
        enabled: input.enabled ?? true,
        nextRunAt: input.enabled === false ? null : nextRunOf(trigger, now()),
      });
      return { row, warnings: await warningsFor(scope, row) };
    },

    list: (scope: Scope, page: { limit: number; beforeId: string | null }) =>
      repo.listLoops(db.orm, scope, page),

    async update(scope: Scope, id: string, input: LoopInput) {
      const current = await getLoop(scope, id);
      if (input.integration_id) await checkLoopIntegration(deps.integrations, scope, input.integration_id);
      const trigger = input.trigger ? cleanTrigger(input.trigger) : current.trigger;
      const enabled = input.enabled ?? current.enabled;
      const row = await repo.updateLoop(db.orm, scope, id, {
        ...(input.name === undefined ? {} : { name: blank(input.name, 'name') }),
        ...(input.instructions === undefined
          ? {}
          : { instructions: blank(input.instructions, 'instructions') }),
        ...(input.tools ? { tools: cleanTools(input.tools) } : {}),
        ...(input.limits ? { limits: cleanLimits(input.limits, current.limits) } : {}),
        ...(input.allowed_hosts ? { allowedHosts: cleanHosts(input.allowed_hosts) } : {}),
        ...(input.secrets ? { secretsSealed: secretBox.encrypt(JSON.stringify(input.secrets)) } : {}),
        ...(input.on_unknown_outcome ? { onUnknownOutcome: input.on_unknown_outcome } : {}),
        ...(input.integration_id === undefined ? {} : { integrationId: input.integration_id }),
        trigger,
        enabled,
        // A new schedule, or turning the loop on, counts from now; turning it off stops it.
        nextRunAt: !enabled
          ? null
          : input.trigger || !current.enabled
            ? nextRunOf(trigger, now())
            : current.nextRunAt,
      });
      if (!row) throw AppError.notFound('agent loop', encodeId('loop', id));
      return { row, warnings: await warningsFor(scope, row) };
    },

    async remove(scope: Scope, id: string): Promise<void> {
      if (!(await repo.deleteLoop(db.orm, scope, id)))
        throw AppError.notFound('agent loop', encodeId('loop', id));
    },

    /** A run asked for through the API or CLI: queued now, whatever the loop's trigger. */
    async run(scope: Scope, loopId: string, input: unknown): Promise<ExecutionRow> {
      const loop = await getLoop(scope, loopId);
      if (!loop.enabled) {
        throw new AppError(
          'conflict_error',
          'loop_disabled',
          'This agent loop is disabled; enable it to run it.',
        );
      }
      const execution = await db.orm.transaction((tx) => startExecution(tx, loop, 'manual', input));
      await queue(execution);
      return execution;
    },

    async listExecutions(scope: Scope, loopId: string, page: { limit: number; beforeId: string | null }) {
      await getLoop(scope, loopId);
      return repo.listExecutions(db.orm, scope, loopId, page);
    },

    async executionWithSteps(
      scope: Scope,
      id: string,
    ): Promise<{ execution: ExecutionRow; steps: StepRow[] }> {
      const execution = await getExecution(scope, id);
      return { execution, steps: await repo.listSteps(db.orm, execution.id) };
    },

    /**
     * Approves or rejects the call an execution waits on; the execution is queued to go on (a
     * rejected call is reported to the model as rejected). 409 when it waits on nothing.
     */
    async decide(
      scope: Scope,
      id: string,
      decision: 'approved' | 'rejected',
      decidedBy: string,
    ): Promise<ExecutionRow> {
      const execution = await getExecution(scope, id);
      const steps = await repo.listSteps(db.orm, execution.id);
      const pending = steps.findLast((step) => step.kind === 'approval' && step.status === 'pending');
      const resumed = await db.orm.transaction(async (tx) => {
        const queued = await repo.updateExecution(tx, execution.id, { status: 'queued' }, [
          'awaiting_approval',
        ]);
        if (!queued || !pending) return null;
        await repo.updateStep(tx, pending.id, { status: decision, decidedBy, decidedAt: now() });
        return queued;
      });
      if (!resumed) {
        // Read again: another decision may have won the race since the execution was read.
        const current = await getExecution(scope, id);
        throw new AppError(
          'conflict_error',
          'not_awaiting_approval',
          `This execution is not waiting for an approval (it is ${current.status}).`,
        );
      }
      await queue(resumed);
      return resumed;
    },

    /**
     * Takes a failed (or limit_reached) execution up again from where it stopped: the recorded
     * steps stay and are given to the model as they were, so only what failed runs again. A
     * side-effecting call left with an unknown outcome is sent once more (same idempotency key):
     * retrying is the person's decision to do so, recorded as an approval. 409 for other statuses.
     */
    async retry(scope: Scope, id: string, decidedBy: string): Promise<ExecutionRow> {
      const execution = await getExecution(scope, id);
      const steps = await repo.listSteps(db.orm, execution.id);
      const reopened = await db.orm.transaction(async (tx) => {
        const queued = await repo.updateExecution(
          tx,
          execution.id,
          // The time limit counts again from the retry.
          {
            status: 'queued',
            output: null,
            errorCode: null,
            errorMessage: null,
            startedAt: null,
            finishedAt: null,
          },
          RETRYABLE_STATUSES,
        );
        if (!queued) return null;
        const unknown = steps.findLast((step) => step.kind === 'tool' && step.status === 'unknown');
        const settled = steps.some(
          (step) =>
            step.kind === 'tool' &&
            step.toolCallId === unknown?.toolCallId &&
            ['succeeded', 'failed'].includes(step.status),
        );
        if (unknown && !settled) {
          await repo.insertStep(tx, {
            id: newUuid(),
            executionId: execution.id,
            seq: steps.length + 1,
            kind: 'approval',
            status: 'approved',
            tool: unknown.tool,
            toolCallId: unknown.toolCallId,
            input: unknown.input as never,
            errorCode: 'unknown_outcome',
            decidedBy,
            decidedAt: now(),
          });
        }
        return queued;
      });
      if (!reopened) {
        throw new AppError(
          'conflict_error',
          'execution_not_retryable',
          `Only a failed or limit_reached execution can be retried (this one is ${execution.status}).`,
        );
      }
      await queue(reopened);
      return reopened;
    },

    /** Resolves when the execution ends or pauses, or after `timeoutMs`. */
    async waitForExecution(id: string, timeoutMs = 30_000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const row = await repo.findExecutionById(db.orm, id);
        if (!row || !['queued', 'running'].includes(row.status)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },

    /** Cancels an open execution: a worker running it stops before its next step. */
    async cancel(scope: Scope, id: string): Promise<ExecutionRow> {
      const execution = await getExecution(scope, id);
      const cancelled = await db.orm.transaction(async (tx) => {
        const row = await repo.updateExecution(
          tx,
          execution.id,
          { status: 'cancelled', finishedAt: now() },
          repo.OPEN_STATUSES,
        );
        if (!row) return null;
        // A call that waited for a person will never run: it is no longer pending.
        for (const step of await repo.listSteps(tx, execution.id)) {
          if (step.kind === 'approval' && step.status === 'pending') {
            await repo.updateStep(tx, step.id, { status: 'rejected', decidedAt: now() });
          }
        }
        return row;
      });
      if (!cancelled) {
        throw new AppError(
          'conflict_error',
          'execution_finished',
          `This execution has already ended (${execution.status}).`,
        );
      }
      return cancelled;
    },
  };
}

export type AgentLoopService = ReturnType<typeof createAgentLoopService>;

// Agent loops: a chatbot's model given instructions and tools, started by hand, on a schedule or
// by an event; every execution and each of its steps (model turns, tool calls, approvals) is a
// row written as it happens, so a restarted worker resumes from the last one.
import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { chatbots, integrations } from './chatbots.ts';
import { timestamps } from './columns.ts';
import { tenantColumns } from './workspaces.ts';

export interface LoopToolSetting {
  name: string;
  needsApproval: boolean;
}

export type LoopTrigger =
  | { type: 'manual' }
  | { type: 'cron'; schedules: { cron: string; timezone: string }[]; overlap: 'skip' | 'queue' }
  | { type: 'event'; event: string; filter: Record<string, string> };

export interface LoopLimits {
  maxSteps: number;
  maxToolCalls: number;
  timeoutSeconds: number;
  tokenBudget: number;
}

export const agentLoops = pgTable(
  'agent_loops',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
    chatbotId: uuid('chatbot_id')
      .notNull()
      .references(() => chatbots.id, { onDelete: 'cascade' }),
    /**
     * The integration whose model the loop runs on; null: its chatbot's enabled one. Deleting the
     * integration puts the loop back on its chatbot's, as a chatbot goes back to the offline
     * answerer when its integration is deleted.
     */
    integrationId: uuid('integration_id').references(() => integrations.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    instructions: text('instructions').notNull(),
    tools: jsonb('tools').$type<LoopToolSetting[]>().notNull(),
    trigger: jsonb('trigger').$type<LoopTrigger>().notNull(),
    limits: jsonb('limits').$type<LoopLimits>().notNull(),
    /** Hosts http_request may call (exact names, or *.example.com for subdomains). */
    allowedHosts: jsonb('allowed_hosts').$type<string[]>().notNull().default([]),
    /** Header values http_request may send by name, sealed as one JSON object. Never returned. */
    secretsSealed: text('secrets_sealed'),
    /** A side-effecting tool call whose outcome is unknown after a crash: fail, or wait for a person. */
    onUnknownOutcome: text('on_unknown_outcome', { enum: ['fail', 'pause'] })
      .notNull()
      .default('fail'),
    enabled: boolean('enabled').notNull().default(true),
    /** Cron triggers: when the next scheduled run is due. */
    nextRunAt: timestamp('next_run_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [
    index('agent_loops_tenant_idx').on(table.workspaceId, table.environment, table.id),
    index('agent_loops_due_idx').on(table.nextRunAt).where(sql`${table.nextRunAt} is not null`),
  ],
);

export const EXECUTION_STATUSES = [
  'queued',
  'running',
  'awaiting_approval',
  'succeeded',
  'failed',
  'cancelled',
  'limit_reached',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const agentLoopExecutions = pgTable(
  'agent_loop_executions',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns({ references: false }),
    loopId: uuid('loop_id')
      .notNull()
      .references(() => agentLoops.id, { onDelete: 'cascade' }),
    status: text('status', { enum: EXECUTION_STATUSES }).notNull().default('queued'),
    triggeredBy: text('triggered_by', { enum: ['manual', 'cron', 'event'] }).notNull(),
    input: jsonb('input').$type<unknown>(),
    output: jsonb('output').$type<unknown>(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    stepCount: integer('step_count').notNull().default(0),
    toolCallCount: integer('tool_call_count').notNull().default(0),
    tokensUsed: integer('tokens_used').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }),
    finishedAt: timestamp('finished_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [
    index('agent_loop_executions_loop_idx').on(table.loopId, table.id),
    index('agent_loop_executions_open_idx')
      .on(table.loopId)
      .where(sql`${table.status} in ('queued', 'running', 'awaiting_approval')`),
  ],
);

export const agentLoopSteps = pgTable(
  'agent_loop_steps',
  {
    id: uuid('id').primaryKey(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => agentLoopExecutions.id, { onDelete: 'cascade' }),
    /** 1, 2, 3… within the execution; the unique index makes a step's checkpoint happen once. */
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: ['model', 'tool', 'approval'] }).notNull(),
    status: text('status', {
      enum: ['started', 'succeeded', 'failed', 'unknown', 'pending', 'approved', 'rejected'],
    }).notNull(),
    /** Model turns: the text said, and the tool calls asked for ([{id, name, input}]). */
    text: text('text'),
    toolCalls: jsonb('tool_calls').$type<{ id: string; name: string; input: unknown }[]>(),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    /** Tool steps: which call of which model turn. */
    tool: text('tool'),
    toolCallId: text('tool_call_id'),
    input: jsonb('input').$type<unknown>(),
    output: jsonb('output').$type<unknown>(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** Sent with side-effecting calls, so a repeat after a crash is recognised downstream. */
    idempotencyKey: text('idempotency_key'),
    /** Approvals: who decided (an API key or a person), and when. */
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }),
    durationMs: integer('duration_ms'),
    createdAt: timestamps.createdAt,
    finishedAt: timestamp('finished_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [uniqueIndex('agent_loop_steps_seq_idx').on(table.executionId, table.seq)],
);

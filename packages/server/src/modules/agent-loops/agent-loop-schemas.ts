// API schemas of agent loops and their executions, and how rows are presented on the wire (the
// same objects go into the agent_loop.* events).
import { Type } from 'typebox';
import type { agentLoopExecutions, agentLoopSteps, agentLoops } from '../../db/schema.ts';
import { PageQuery } from '../../http/pagination.ts';
import { NOT_BLANK, Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';

export type LoopRow = typeof agentLoops.$inferSelect;
export type ExecutionRow = typeof agentLoopExecutions.$inferSelect;
export type StepRow = typeof agentLoopSteps.$inferSelect;

export const TOOL_NAMES = [
  'search_knowledge',
  'http_request',
  'get_conversation',
  'add_note',
  'send_message',
  'update_conversation',
  'upsert_lead',
  'emit_event',
  'finish',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export const TRIGGER_EVENTS = [
  'conversation.escalated',
  'conversation.closed',
  'lead.captured',
  'message.received',
  'channel.disconnected',
  'custom',
] as const;

export const DEFAULT_LIMITS = { maxSteps: 20, maxToolCalls: 20, timeoutSeconds: 300, tokenBudget: 50_000 };

const ToolName = Type.Enum([...TOOL_NAMES]);
const ToolSetting = Type.Union([
  ToolName,
  Type.Object(
    {
      name: ToolName,
      needs_approval: Type.Optional(
        Type.Boolean({ description: 'Pause the execution before each call until a person approves it.' }),
      ),
    },
    { additionalProperties: false },
  ),
]);

const Schedule = Type.Object(
  {
    cron: Type.String({ minLength: 1, maxLength: 100, description: 'Five fields, e.g. "0 8 * * 1-5".' }),
    timezone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone; UTC by default.' }),
    ),
  },
  { additionalProperties: false },
);

const Trigger = Type.Object(
  {
    type: Type.Enum(['manual', 'cron', 'event']),
    schedules: Type.Optional(Type.Array(Schedule, { minItems: 1, maxItems: 10 })),
    overlap: Type.Optional(
      Type.Enum(['skip', 'queue'], {
        description: 'A scheduled run due while one is still open: skipped, or queued after it.',
      }),
    ),
    event: Type.Optional(Type.Enum([...TRIGGER_EVENTS])),
    filter: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 500 }), {
        maxProperties: 10,
        description:
          'Fields of the event data that must equal these values, e.g. {"chatbot_id": "bot_…"}; dotted names reach into objects.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'manual: runs only when asked. cron: `schedules` (each a cron and a time zone) and `overlap`. event: `event` and an optional `filter`.',
  },
);

const Limits = Type.Object(
  {
    max_steps: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    max_tool_calls: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600 })),
    token_budget: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);

const loopFields = {
  name: Type.String({ minLength: 1, maxLength: 200, pattern: NOT_BLANK }),
  instructions: Type.String({ minLength: 1, maxLength: 20_000 }),
  tools: Type.Array(ToolSetting, { minItems: 1, maxItems: TOOL_NAMES.length }),
  trigger: Trigger,
  limits: Type.Optional(Limits),
  allowed_hosts: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      maxItems: 50,
      description: 'Hosts http_request may call: exact names, or *.example.com for its subdomains.',
    }),
  ),
  secrets: Type.Optional(
    Type.Record(Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' }), Type.String({ maxLength: 4_000 }), {
      maxProperties: 20,
      // A name {{secret.NAME}} cannot spell ("bad name") could never be used: refused.
      additionalProperties: false,
      description:
        'Values http_request may put in headers as {{secret.NAME}}. Write-only: responses list the names.',
    }),
  ),
  on_unknown_outcome: Type.Optional(
    Type.Enum(['fail', 'pause'], {
      description:
        'A side-effecting call cut off by a crash: fail the execution, or wait for a person to approve a retry.',
    }),
  ),
  enabled: Type.Optional(Type.Boolean()),
  integration_id: Type.Optional(
    Nullable(
      Type.String({
        description:
          "An integration (int_…) of this workspace and environment, of any chatbot and whatever its status, whose model the loop runs on; null: the chatbot's enabled integration.",
      }),
    ),
  ),
};

export const CreateLoopBody = Type.Object(
  {
    ...loopFields,
    chatbot_id: Type.String({
      description:
        'The chatbot (bot_…) whose knowledge it uses, and whose integration unless it names its own.',
    }),
  },
  { additionalProperties: false },
);

export const UpdateLoopBody = Type.Partial(Type.Object(loopFields, { additionalProperties: false }), {
  additionalProperties: false,
  minProperties: 1,
});

export const LoopResponse = Type.Object({
  id: Type.String({ examples: ['loop_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  chatbot_id: Type.String(),
  integration_id: Nullable(
    Type.String({ description: "The loop's own integration; null: its chatbot's enabled one." }),
  ),
  name: Type.String(),
  instructions: Type.String(),
  tools: Type.Array(Type.Object({ name: Type.String(), needs_approval: Type.Boolean() })),
  trigger: Type.Record(Type.String(), Type.Unknown()),
  limits: Type.Object({
    max_steps: Type.Integer(),
    max_tool_calls: Type.Integer(),
    timeout_seconds: Type.Integer(),
    token_budget: Type.Integer(),
  }),
  allowed_hosts: Type.Array(Type.String()),
  secret_names: Type.Array(Type.String()),
  on_unknown_outcome: Type.String(),
  enabled: Type.Boolean(),
  next_run_at: Nullable(Timestamp),
  warnings: Type.Optional(
    Type.Array(Type.String(), { description: 'What will keep the loop from running as configured.' }),
  ),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const StepResponse = Type.Object({
  seq: Type.Integer(),
  kind: Type.String({ description: 'model, tool or approval' }),
  status: Type.String(),
  text: Type.Optional(Nullable(Type.String())),
  tool_calls: Type.Optional(Type.Unknown()),
  input_tokens: Type.Optional(Nullable(Type.Integer())),
  output_tokens: Type.Optional(Nullable(Type.Integer())),
  tool: Type.Optional(Nullable(Type.String())),
  tool_call_id: Type.Optional(Nullable(Type.String())),
  input: Type.Optional(Type.Unknown()),
  output: Type.Optional(Type.Unknown()),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  idempotency_key: Type.Optional(Nullable(Type.String())),
  decided_by: Type.Optional(Nullable(Type.String())),
  decided_at: Type.Optional(Nullable(Timestamp)),
  duration_ms: Nullable(Type.Integer()),
  created_at: Timestamp,
});

export const ExecutionResponse = Type.Object({
  id: Type.String({ examples: ['exec_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  loop_id: Type.String(),
  status: Type.String(),
  triggered_by: Type.String(),
  input: Type.Unknown(),
  output: Type.Unknown(),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  step_count: Type.Integer(),
  tool_call_count: Type.Integer(),
  tokens_used: Type.Integer(),
  steps: Type.Optional(Type.Array(StepResponse)),
  started_at: Nullable(Timestamp),
  finished_at: Nullable(Timestamp),
  created_at: Timestamp,
});

export const RunLoopBody = Type.Object(
  { input: Type.Optional(Type.Unknown({ description: 'Given to the model with the instructions.' })) },
  { additionalProperties: false },
);

export const RunLoopQuery = Type.Object({
  wait: Type.Optional(
    Type.Boolean({ description: 'Answer when the execution ends or pauses, or after 30 s at most.' }),
  ),
});

export const ListExecutionsQuery = Type.Object({ ...PageQuery.properties });

export function presentLoop(row: LoopRow, secretNames: string[], warnings?: string[]) {
  return {
    id: encodeId('loop', row.id),
    chatbot_id: encodeId('bot', row.chatbotId),
    integration_id: row.integrationId ? encodeId('int', row.integrationId) : null,
    name: row.name,
    instructions: row.instructions,
    tools: row.tools.map((tool) => ({ name: tool.name, needs_approval: tool.needsApproval })),
    trigger: row.trigger as Record<string, unknown>,
    limits: {
      max_steps: row.limits.maxSteps,
      max_tool_calls: row.limits.maxToolCalls,
      timeout_seconds: row.limits.timeoutSeconds,
      token_budget: row.limits.tokenBudget,
    },
    allowed_hosts: row.allowedHosts,
    secret_names: secretNames,
    on_unknown_outcome: row.onUnknownOutcome,
    enabled: row.enabled,
    next_run_at: row.nextRunAt?.toISOString() ?? null,
    ...(warnings ? { warnings } : {}),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const errorOf = (code: string | null, message: string | null) =>
  code ? { code, message: message ?? '' } : null;

export function presentStep(row: StepRow) {
  const common = {
    seq: row.seq,
    kind: row.kind,
    status: row.status,
    error: errorOf(row.errorCode, row.errorMessage),
    duration_ms: row.durationMs,
    created_at: row.createdAt.toISOString(),
  };
  if (row.kind === 'model') {
    return {
      ...common,
      text: row.text,
      tool_calls: row.toolCalls ?? [],
      input_tokens: row.inputTokens,
      output_tokens: row.outputTokens,
    };
  }
  return {
    ...common,
    tool: row.tool,
    tool_call_id: row.toolCallId,
    input: row.input ?? null,
    ...(row.kind === 'tool' ? { output: row.output ?? null, idempotency_key: row.idempotencyKey } : {}),
    ...(row.kind === 'approval'
      ? { decided_by: row.decidedBy, decided_at: row.decidedAt?.toISOString() ?? null }
      : {}),
  };
}

export function presentExecution(row: ExecutionRow, steps?: StepRow[]) {
  return {
    id: encodeId('exec', row.id),
    loop_id: encodeId('loop', row.loopId),
    status: row.status,
    triggered_by: row.triggeredBy,
    input: row.input ?? null,
    output: row.output ?? null,
    error: errorOf(row.errorCode, row.errorMessage),
    step_count: row.stepCount,
    tool_call_count: row.toolCallCount,
    tokens_used: row.tokensUsed,
    ...(steps ? { steps: steps.map(presentStep) } : {}),
    started_at: row.startedAt?.toISOString() ?? null,
    finished_at: row.finishedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

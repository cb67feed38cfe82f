// `parley loops …`: create agent loops (from flags or a JSON file), list and show them, run one
// and watch its steps as they are recorded, list executions, approve or reject a pending call.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { AdminOps } from '../admin/admin-ops.ts';
import type { Config } from '../config.ts';
import { withAdminOps } from './connect.ts';
import { outputClosed, printJson, printTable } from './output.ts';

type Execution = Awaited<ReturnType<AdminOps['getLoopExecution']>>;
type Step = NonNullable<Execution['steps']>[number];

const collect = (value: string, previous: string[] = []) => [...previous, value];
const integer = (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new Error(`'${value}' is not a whole number.`);
  return number;
};

/** `-` reads stdin; otherwise the text, as JSON when it parses, else as a plain string. */
function parseInput(value: string): unknown {
  const text = value === '-' ? readFileSync(0, 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch {
    return text.trim();
  }
}

interface CreateOptions {
  file?: string;
  name?: string;
  bot?: string;
  integration?: string;
  instructions?: string;
  tool?: string[];
  cron?: string[];
  timezone?: string;
  overlap?: string;
  event?: string;
  filter?: string[];
  maxSteps?: number;
  maxToolCalls?: number;
  timeout?: number;
  tokenBudget?: number;
  allowHost?: string[];
  onUnknownOutcome?: string;
  disabled?: boolean;
  json?: boolean;
}

/** The API's create body: the file's fields, with the flags given on top. */
function createBody(options: CreateOptions): Record<string, unknown> {
  const body: Record<string, unknown> = options.file
    ? JSON.parse(readFileSync(options.file === '-' ? 0 : options.file, 'utf8'))
    : {};
  if (options.name !== undefined) body.name = options.name;
  if (options.bot !== undefined) body.chatbot_id = options.bot;
  if (options.integration !== undefined) body.integration_id = options.integration;
  if (options.instructions !== undefined) body.instructions = options.instructions;
  if (options.tool) {
    // `name!` marks a tool whose calls wait for a person's approval.
    body.tools = options.tool.map((name) =>
      name.endsWith('!') ? { name: name.slice(0, -1), needs_approval: true } : name,
    );
  }
  if (options.cron) {
    body.trigger = {
      type: 'cron',
      schedules: options.cron.map((cron) => ({
        cron,
        ...(options.timezone ? { timezone: options.timezone } : {}),
      })),
      ...(options.overlap ? { overlap: options.overlap } : {}),
    };
  } else if (options.event) {
    const filter = Object.fromEntries(
      (options.filter ?? []).map((pair) => {
        const at = pair.indexOf('=');
        return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      }),
    );
    body.trigger = { type: 'event', event: options.event, ...(options.filter ? { filter } : {}) };
  } else if (body.trigger === undefined) {
    body.trigger = { type: 'manual' };
  }
  const limits = Object.fromEntries(
    Object.entries({
      max_steps: options.maxSteps,
      max_tool_calls: options.maxToolCalls,
      timeout_seconds: options.timeout,
      token_budget: options.tokenBudget,
    }).filter(([, value]) => value !== undefined),
  );
  if (Object.keys(limits).length > 0) body.limits = { ...(body.limits as object), ...limits };
  if (options.allowHost) body.allowed_hosts = options.allowHost;
  if (options.onUnknownOutcome) body.on_unknown_outcome = options.onUnknownOutcome;
  if (options.disabled) body.enabled = false;
  return body;
}

const brief = (value: unknown, max = 100) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** One line per recorded step, as a person watching the run reads it. */
export function describeStep(step: Step): string {
  const s = step as Step & Record<string, unknown>;
  const took = step.duration_ms === null ? '' : ` (${step.duration_ms} ms)`;
  const failure = step.error ? `: ${step.error.code}: ${step.error.message}` : '';
  if (step.kind === 'model') {
    const calls = (s.tool_calls as { name: string }[] | undefined) ?? [];
    const tokens = Number(s.input_tokens ?? 0) + Number(s.output_tokens ?? 0);
    const said = s.text ? ` said ${brief(s.text, 60)}` : '';
    const asked = calls.length > 0 ? ` calls ${calls.map((call) => call.name).join(', ')}` : '';
    return `#${step.seq} model${said}${asked} — ${tokens} tokens${took}`;
  }
  if (step.kind === 'approval') {
    const by = s.decided_by ? ` by ${s.decided_by}` : '';
    return `#${step.seq} approval of ${s.tool} ${brief(s.input ?? {})}: ${step.status}${by}`;
  }
  const result = step.status === 'succeeded' ? ` → ${brief(s.output)}` : failure;
  return `#${step.seq} ${s.tool} ${brief(s.input ?? {})}: ${step.status}${result}${took}`;
}

const OPEN = ['queued', 'running'];

/** Prints each step once it has settled, until the execution ends or waits for a person. */
async function follow(ops: AdminOps, id: string, quiet: boolean): Promise<Execution> {
  const printed = new Map<number, string>();
  for (;;) {
    const execution = await ops.getLoopExecution({ id });
    const done = !OPEN.includes(execution.status);
    for (const step of execution.steps ?? []) {
      // A tool call under way is printed when it has its result (or when the run stops on it).
      if (step.status === 'started' && !done) continue;
      if (printed.get(step.seq) === step.status) continue;
      printed.set(step.seq, step.status);
      if (!quiet && !outputClosed()) process.stdout.write(`${describeStep(step)}\n`);
    }
    if (done) return execution;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The last lines of a run; the exit code says how it ended (0 succeeded, 2 awaiting approval). */
function conclude(execution: Execution, json: boolean | undefined): void {
  if (json) printJson(execution);
  else if (execution.status === 'succeeded') {
    process.stdout.write(`Execution ${execution.id} succeeded.\n`);
    if (execution.output !== null) process.stdout.write(`Output: ${brief(execution.output, 2_000)}\n`);
  } else if (execution.status === 'awaiting_approval') {
    process.stdout.write(
      `Execution ${execution.id} waits for approval: parley loops approve ${execution.id} (or reject)\n`,
    );
  } else {
    const error = execution.error ? `: ${execution.error.code}: ${execution.error.message}` : '';
    process.stdout.write(`Execution ${execution.id} ended ${execution.status}${error}\n`);
  }
  if (execution.status === 'awaiting_approval') process.exitCode = 2;
  else if (execution.status !== 'succeeded' && !OPEN.includes(execution.status)) process.exitCode = 1;
}

export function loopCommands(loadConfig: () => Config): Command {
  const loops = new Command('loops').description('Agent loops: create, list, run and approve');
  // Commands that run executions also run the job workers when the CLI opens the database itself.
  const withWorkers = { workers: true };

  loops
    .command('create')
    .description('Create an agent loop from flags, a JSON file (the API body), or both (flags win)')
    .option('--file <path>', 'a JSON file with the API create body; - reads stdin')
    .option('--name <name>', 'loop name')
    .option('--bot <id>', 'the chatbot (bot_…) whose model and knowledge it uses')
    .option('--integration <id>', "an integration (int_…) to run on instead of the chatbot's")
    .option('--instructions <text>', 'what the loop does')
    .option('--tool <name>', 'a tool (repeat); end with ! to require approval, e.g. add_note!', collect)
    .option('--cron <expression>', 'run on this schedule (repeat for several)', collect)
    .option('--timezone <zone>', 'IANA time zone of the schedules (default UTC)')
    .addOption(new Option('--overlap <rule>', 'a run due while one is open').choices(['skip', 'queue']))
    .option('--event <event>', 'run on this event, e.g. conversation.escalated')
    .option('--filter <field=value>', 'event filter (repeat)', collect)
    .option('--max-steps <n>', 'model turns at most', integer)
    .option('--max-tool-calls <n>', 'tool calls at most', integer)
    .option('--timeout <seconds>', 'time limit of a run', integer)
    .option('--token-budget <n>', 'tokens at most', integer)
    .option('--allow-host <host>', 'a host http_request may call (repeat)', collect)
    .addOption(
      new Option('--on-unknown-outcome <rule>', 'a call cut off by a crash').choices(['fail', 'pause']),
    )
    .option('--disabled', 'create it turned off')
    .option('--json', 'print one JSON object')
    .action(async (options: CreateOptions) => {
      const loop = await withAdminOps(loadConfig(), (ops) => ops.createLoop({ body: createBody(options) }));
      if (options.json) return printJson(loop);
      process.stdout.write(`Created agent loop ${loop.id} "${loop.name}" (${loop.trigger.type}).\n`);
      for (const warning of loop.warnings ?? []) process.stdout.write(`Warning: ${warning}\n`);
    });

  loops
    .command('list')
    .description('List agent loops')
    .option('--workspace <id>', 'workspace id (default: the default workspace)')
    .addOption(new Option('--env <environment>', 'environment').choices(['live', 'test']).default('live'))
    .option('--json', 'print one JSON object')
    .action(async (options: { workspace?: string; env: 'live' | 'test'; json?: boolean }) => {
      const list = await withAdminOps(loadConfig(), (ops) =>
        ops.listLoops({ workspace: options.workspace, environment: options.env }),
      );
      if (options.json) return printJson({ data: list });
      printTable(
        list.map((loop) => ({ ...loop, trigger: loop.trigger.type, tools: loop.tools.length })),
        ['id', 'name', 'chatbot_id', 'trigger', 'tools', 'enabled', 'next_run_at'],
      );
    });

  loops
    .command('show')
    .description("Show a loop's settings")
    .argument('<loop>', 'loop id (loop_…)')
    .action(async (id: string) => {
      printJson(await withAdminOps(loadConfig(), (ops) => ops.getLoop({ id })));
    });

  loops
    .command('run')
    .description('Run a loop now and print each step as it is recorded, until it ends or waits')
    .argument('<loop>', 'loop id (loop_…)')
    .option('--input <value>', 'input for the model: JSON, or text; - reads stdin', parseInput)
    .option('--no-wait', 'print the queued execution and return')
    .option('--json', 'print only the final execution, as one JSON object')
    .action(async (id: string, options: { input?: unknown; wait: boolean; json?: boolean }) => {
      await withAdminOps(
        loadConfig(),
        async (ops) => {
          const queued = await ops.runLoop({ id, input: options.input });
          if (!options.wait) {
            if (options.json) return printJson(queued);
            return void process.stdout.write(`Queued execution ${queued.id}.\n`);
          }
          if (!options.json) process.stdout.write(`Execution ${queued.id} started.\n`);
          conclude(await follow(ops, queued.id, options.json === true), options.json);
        },
        withWorkers,
      );
    });

  loops
    .command('executions')
    .description("List a loop's executions, newest first")
    .argument('<loop>', 'loop id (loop_…)')
    .option('--limit <n>', 'how many', integer, 20)
    .option('--json', 'print one JSON object')
    .action(async (id: string, options: { limit: number; json?: boolean }) => {
      const list = await withAdminOps(loadConfig(), (ops) =>
        ops.listLoopExecutions({ id, limit: options.limit }),
      );
      if (options.json) return printJson({ data: list });
      printTable(
        list.map((execution) => ({ ...execution, error: execution.error?.code ?? null })),
        ['id', 'status', 'triggered_by', 'step_count', 'tokens_used', 'error', 'created_at'],
      );
    });

  loops
    .command('execution')
    .description('Show an execution and its steps')
    .argument('<execution>', 'execution id (exec_…)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, options: { json?: boolean }) => {
      const execution = await withAdminOps(loadConfig(), (ops) => ops.getLoopExecution({ id }));
      if (options.json) return printJson(execution);
      for (const step of execution.steps ?? []) process.stdout.write(`${describeStep(step)}\n`);
      conclude(execution, false);
      process.exitCode = undefined; // showing is not running: the exit code says the command worked
    });

  for (const [action, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    loops
      .command(action)
      .description(
        `${action === 'approve' ? 'Approve' : 'Reject'} the tool call an execution waits on, then follow it`,
      )
      .argument('<execution>', 'execution id (exec_…)')
      .option('--no-wait', 'return once decided')
      .option('--json', 'print only the final execution, as one JSON object')
      .action(async (id: string, options: { wait: boolean; json?: boolean }) => {
        await withAdminOps(
          loadConfig(),
          async (ops) => {
            const decided = await ops.decideLoopExecution({ id, decision });
            if (!options.wait) {
              if (options.json) return printJson(decided);
              return void process.stdout.write(`${decision === 'approved' ? 'Approved' : 'Rejected'}.\n`);
            }
            conclude(await follow(ops, decided.id, options.json === true), options.json);
          },
          withWorkers,
        );
      });
  }

  loops
    .command('retry')
    .description(
      'Take a failed or limit_reached execution up again from the step that failed, then follow it',
    )
    .argument('<execution>', 'execution id (exec_…)')
    .option('--no-wait', 'return once queued')
    .option('--json', 'print only the final execution, as one JSON object')
    .action(async (id: string, options: { wait: boolean; json?: boolean }) => {
      await withAdminOps(
        loadConfig(),
        async (ops) => {
          const queued = await ops.retryLoopExecution({ id });
          if (!options.wait) {
            if (options.json) return printJson(queued);
            return void process.stdout.write(`Retrying execution ${queued.id}.\n`);
          }
          conclude(await follow(ops, queued.id, options.json === true), options.json);
        },
        withWorkers,
      );
    });

  return loops;
}

// Agent loop speed: what Parley adds per step of an execution, and how many steps one server's
// workers get through, over a model that answers at once. A real `parley serve` (child process)
// holds a chatbot with an `openai_compatible` integration on a fake chat-completions server in
// this process. The fake plays an agent: while the conversation it is sent has fewer than
// --tool-turns tool results, it calls emit_event (a side-effecting tool: an idempotency key and
// an event written), then it calls finish. Each execution is thus 2 × (tool turns + 1) steps.
// Measures:
//   - per-step overhead: executions run one at a time (`?wait=true`); each one's time from
//     started_at to finished_at divided by its steps (p50, p99): every millisecond of it is
//     Parley's (the model's answer and the tool are instant), the step's checkpoint writes and
//     the model call's round trip included; and the queue's pick-up time (created → started);
//   - steps/s: --executions started at once; steps recorded over the time from the first run
//     request to the last execution's end. Executions run as agent-loop-run jobs, four at a
//     time per worker process: this is what one server sustains.
// bench/README.md ("Agent loops") has the figures.
//
//   node bench/agent-loops.ts                 # embedded PGlite, in a temporary data directory
//   node bench/agent-loops.ts --pg            # PostgreSQL (BENCH_DATABASE_URL, or the local server)
//                                             # and Redis (BENCH_REDIS_URL, or the local server)
//   node bench/agent-loops.ts --sequential 50 --executions 200 --tool-turns 5
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  benchDatabase,
  type ParleyProcess,
  startParley as startParleyProcess,
  stopParley,
} from './lib/parley-process.ts';

const { values: flags } = parseArgs({
  options: {
    pg: { type: 'boolean', default: false },
    sequential: { type: 'string', default: '30' },
    executions: { type: 'string', default: '100' },
    'tool-turns': { type: 'string', default: '5' },
    timeout: { type: 'string', default: '900' },
  },
});
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USE_PG = flags.pg || Boolean(process.env.BENCH_DATABASE_URL);
const REDIS_URL = USE_PG ? process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379' : '';
const SEQUENTIAL = Number(flags.sequential);
const EXECUTIONS = Number(flags.executions);
const TOOL_TURNS = Number(flags['tool-turns']);
const UNLIMITED_PLANS = '{"enterprise":{"requests_per_minute":1000000000,"messages_per_month":null}}';

/** An instant OpenAI chat-completions server that calls emit_event TOOL_TURNS times, then finish. */
async function startAgentModel() {
  let calls = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      calls += 1;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        messages: { role: string }[];
        model: string;
      };
      const done = body.messages.filter((message) => message.role === 'tool').length;
      const call =
        done < TOOL_TURNS
          ? { name: 'emit_event', arguments: { name: 'bench.tick', data: { turn: done } } }
          : { name: 'finish', arguments: { output: { turns: done } } };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: `chatcmpl-${calls}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: null,
                tool_calls: [
                  {
                    id: `call_${calls}`,
                    type: 'function',
                    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
                  },
                ],
              },
              finish_reason: 'tool_calls',
            },
          ],
          usage: { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function startParley(env: Record<string, string>): Promise<ParleyProcess> {
  return startParleyProcess({
    REDIS_URL,
    PARLEY_ALLOW_PRIVATE_NETWORK: 'true', // the fake model is on 127.0.0.1
    PARLEY_PLANS: UNLIMITED_PLANS,
    ...env,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: API answers are read field by field.
async function api(base: string, key: string, method: string, urlPath: string, body?: unknown): Promise<any> {
  const response = await fetch(`${base}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (response.status >= 300)
    throw new Error(`${method} ${urlPath}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

interface Execution {
  id: string;
  status: string;
  step_count: number;
  tool_call_count: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
const stepsOf = (execution: Execution) => execution.step_count + execution.tool_call_count;

async function main(): Promise<void> {
  if (!(SEQUENTIAL > 0 && EXECUTIONS > 0 && TOOL_TURNS >= 0)) throw new Error('counts must be > 0');
  const model = await startAgentModel();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-loops-'));
  const database = await benchDatabase(USE_PG, ADMIN_URL, `parley_bench_loops_${process.pid}`);
  const env: Record<string, string> = { PARLEY_DATA_DIR: dataDir, DATABASE_URL: database.url };
  const loadBefore = loadavg();
  let parley: Awaited<ReturnType<typeof startParley>> | null = null;
  try {
    parley = await startParley(env);
    const { url, key } = parley;
    const bot = await api(url, key, 'POST', '/v1/chatbots', { name: 'Loop bench' });
    await api(url, key, 'POST', `/v1/chatbots/${bot.id}/integrations`, {
      provider: 'openai_compatible',
      model: 'bench-agent',
      base_url: model.baseUrl,
    });
    const loop = await api(url, key, 'POST', '/v1/agent-loops', {
      name: 'Bench loop',
      chatbot_id: bot.id,
      instructions: 'Emit the ticks, then finish.',
      tools: ['emit_event'],
      trigger: { type: 'manual' },
      limits: { max_steps: TOOL_TURNS + 5, max_tool_calls: TOOL_TURNS + 5, token_budget: 10_000_000 },
    });
    const expectedSteps = 2 * (TOOL_TURNS + 1);
    const check = (execution: Execution) => {
      if (execution.status !== 'succeeded' || stepsOf(execution) !== expectedSteps) {
        throw new Error(`execution ${execution.id}: ${JSON.stringify(execution)}`);
      }
    };
    const runOne = (wait: boolean): Promise<Execution> =>
      api(url, key, 'POST', `/v1/agent-loops/${loop.id}/run${wait ? '?wait=true' : ''}`, {
        input: { bench: true },
      });

    // Warm-up: code paths, caches, the queue's first jobs.
    for (let i = 0; i < 5; i++) check(await runOne(true));

    // Per-step overhead: one execution at a time.
    const perStep: number[] = [];
    const pickUp: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const execution = await runOne(true);
      check(execution);
      const started = Date.parse(execution.started_at!);
      perStep.push((Date.parse(execution.finished_at!) - started) / stepsOf(execution));
      pickUp.push(started - Date.parse(execution.created_at));
    }

    // Steps/s: many executions at once.
    const began = Date.now();
    const queued: Execution[] = [];
    for (let i = 0; i < EXECUTIONS; i++) queued.push(await runOne(false));
    const postedIn = Date.now() - began;
    const ids = new Set(queued.map((execution) => execution.id));
    const deadline = Date.now() + Number(flags.timeout) * 1000;
    let finished: Execution[] = [];
    for (;;) {
      const seen: Execution[] = [];
      for (let cursor: string | null = null; ; ) {
        const page = await api(
          url,
          key,
          'GET',
          `/v1/agent-loops/${loop.id}/executions?page_size=100${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...(page.data as Execution[]).filter((execution) => ids.has(execution.id)));
        if (!page.has_more) break;
        cursor = page.next_cursor;
      }
      finished = seen.filter((execution) => execution.finished_at !== null);
      if (finished.length === ids.size) break;
      if (Date.now() > deadline) throw new Error(`${finished.length}/${ids.size} ended before --timeout`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const execution of finished) check(execution);
    const lastEnd = Math.max(...finished.map((execution) => Date.parse(execution.finished_at!)));
    const seconds = (lastEnd - began) / 1000;
    const totalSteps = finished.reduce((sum, execution) => sum + stepsOf(execution), 0);

    const loadAfter = loadavg();
    console.log(`Agent loops — ${USE_PG ? 'PostgreSQL + Redis' : 'PGlite'}, ${cpus().length} cores`);
    console.log(
      `load average before ${loadBefore.map((v) => v.toFixed(2)).join(' ')}, after ${loadAfter.map((v) => v.toFixed(2)).join(' ')}`,
    );
    console.log(`each execution: ${TOOL_TURNS} emit_event turns + finish = ${expectedSteps} steps`);
    console.log(
      `per-step overhead (${SEQUENTIAL} executions one at a time): p50 ${ms(percentile(perStep, 50))}, p99 ${ms(percentile(perStep, 99))}`,
    );
    console.log(
      `queue pick-up (run request → started): p50 ${ms(percentile(pickUp, 50))}, p99 ${ms(percentile(pickUp, 99))}`,
    );
    console.log(
      `throughput: ${EXECUTIONS} executions (${totalSteps} steps) in ${seconds.toFixed(1)} s = ${(totalSteps / seconds).toFixed(1)} steps/s, ${(EXECUTIONS / seconds).toFixed(2)} executions/s (runs requested in ${postedIn} ms)`,
    );
    console.log(`model calls answered: ${model.calls()}`);
  } finally {
    await stopParley(parley);
    await model.close();
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  }
}

await main();

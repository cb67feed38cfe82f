// Requests the agent loop tests share: a bot with a tool-calling integration on a fake OpenAI,
// a loop, a run, and waiting for an execution to reach a status.
import { expect } from 'vitest';
import type { FakeLlmServer } from '../../fakes/fake-llm-server.ts';
import type { TestApp } from '../../helpers/test-app.ts';

export async function createBot(t: TestApp, key: string, llm?: FakeLlmServer): Promise<string> {
  const bot = await t.request({ method: 'POST', url: '/v1/chatbots', key, body: { name: 'Support bot' } });
  expect(bot.statusCode, bot.body).toBe(201);
  const id = bot.json().id as string;
  if (llm) {
    const integration = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${id}/integrations`,
      key,
      body: { provider: 'openai', model: 'gpt-4o-mini', api_key: 'sk-loop-test', base_url: llm.baseUrl },
    });
    expect(integration.statusCode, integration.body).toBe(201);
  }
  return id;
}

export async function createLoop(t: TestApp, key: string, body: Record<string, unknown>) {
  const response = await t.request({
    method: 'POST',
    url: '/v1/agent-loops',
    key,
    body: { name: 'Loop', instructions: 'Do the work.', trigger: { type: 'manual' }, ...body },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as Record<string, unknown> & { id: string };
}

export async function run(t: TestApp, key: string, loopId: string, input?: unknown) {
  const response = await t.request({
    method: 'POST',
    url: `/v1/agent-loops/${loopId}/run?wait=true`,
    key,
    body: input === undefined ? {} : { input },
  });
  expect(response.statusCode, response.body).toBe(202);
  return response.json() as Execution;
}

export interface Execution {
  id: string;
  status: string;
  output: unknown;
  error: { code: string; message: string } | null;
  steps: Record<string, unknown>[];
  step_count: number;
  tool_call_count: number;
  tokens_used: number;
}

export async function getExecution(t: TestApp, key: string, id: string): Promise<Execution> {
  const response = await t.request({ url: `/v1/agent-loop-executions/${id}`, key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Polls the execution until it has one of the statuses (the worker runs it on its own). */
export async function waitForStatus(
  t: TestApp,
  key: string,
  id: string,
  statuses: string[],
  timeoutMs = 20_000,
): Promise<Execution> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const execution = await getExecution(t, key, id);
    if (statuses.includes(execution.status)) return execution;
    if (Date.now() > until) {
      throw new Error(
        `Execution ${id} is ${execution.status}, not ${statuses.join('/')}: ${JSON.stringify(execution)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The events of a type recorded for an execution, oldest first. */
export async function eventsOf(t: TestApp, type: string, executionId: string) {
  const rows = await t.context.db.query<{ data: Record<string, unknown> }>(
    `SELECT data FROM events WHERE type = $1 AND data->>'id' = $2 ORDER BY id`,
    [type, executionId],
  );
  return rows.map((row) => row.data);
}

/** The tool names and inputs the fake model was offered on its last request. */
export function offeredTools(llm: FakeLlmServer): string[] {
  const last = llm.requests.at(-1)?.body as { tools?: { function: { name: string } }[] } | undefined;
  return (last?.tools ?? []).map((tool) => tool.function.name);
}

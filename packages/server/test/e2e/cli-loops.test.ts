// `parley loops create|list|show|run|executions|execution|approve|retry` against a fake OpenAI scripted
// to call tools: a loop made from a JSON file and flags, a run whose steps are printed as they are
// recorded and that stops for an approval, approved from the CLI; a failed run retried; bad input refused, nothing made;
// and a run with no server, the CLI running the job itself.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes/fake-openai.ts';
import { api } from './http-helpers.ts';
import {
  makeDataDir,
  runCli,
  runCliJson,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();
const llm = await startFakeOpenAI();
afterAll(() => llm.close());

const call = (name: string, args: unknown) => ({
  chunks: [],
  toolCalls: [{ id: `call_${name}`, name, arguments: args }],
  inputTokens: 50,
  outputTokens: 10,
});

interface Loop {
  id: string;
  name: string;
  tools: { name: string; needs_approval: boolean }[];
  trigger: { type: string };
  limits: { max_steps: number };
}

describe('parley loops', () => {
  it('creates loops, runs one step by step through an approval, and lists its executions', async () => {
    const dataDir = makeDataDir();
    const env = { PARLEY_ALLOW_PRIVATE_NETWORK: 'true' };
    const server = await startParley(dataDir, { env });
    const key = server.banner.keys.find((k) => k.environment === 'live')!.secret;
    const bot = await runCliJson<{ id: string }>(dataDir, ['bots', 'create', '--name', 'Support', '--json']);
    const integration = await api(server.url, `/v1/chatbots/${bot.id}/integrations`, {
      key,
      method: 'POST',
      body: { provider: 'openai', model: 'gpt-4o-mini', api_key: 'sk-cli', base_url: llm.baseUrl },
    });
    expect(integration.status).toBe(201);

    // From a file, with a flag on top of it.
    const file = path.join(dataDir, 'loop.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'From file',
        chatbot_id: bot.id,
        instructions: 'Summarise yesterday.',
        tools: ['search_knowledge'],
        trigger: { type: 'cron', schedules: [{ cron: '0 8 * * *', timezone: 'Europe/Paris' }] },
      }),
    );
    const fromFile = await runCliJson<Loop>(dataDir, [
      'loops',
      'create',
      '--file',
      file,
      '--max-steps',
      '5',
      '--json',
    ]);
    expect(fromFile).toMatchObject({
      name: 'From file',
      trigger: { type: 'cron' },
      limits: { max_steps: 5 },
    });

    // From flags alone; `upsert_lead!` waits for a person.
    const created = await runCli(dataDir, [
      'loops',
      'create',
      '--name',
      'Leads',
      '--bot',
      bot.id,
      '--instructions',
      'Look the policy up and record the customer.',
      '--tool',
      'search_knowledge',
      '--tool',
      'upsert_lead!',
    ]);
    expect(created.code, created.describe()).toBe(0);
    const loopId = /^Created agent loop (loop_\w+) "Leads" \(manual\)\.\n$/.exec(created.stdout)?.[1];
    expect(loopId, created.stdout).toBeDefined();
    const shown = await runCliJson<Loop>(dataDir, ['loops', 'show', loopId!]);
    expect(shown.tools).toEqual([
      { name: 'search_knowledge', needs_approval: false },
      { name: 'upsert_lead', needs_approval: true },
    ]);

    // Bad input: refused with the reason, nothing created.
    const bad = await runCli(dataDir, [
      'loops',
      'create',
      '--name',
      'No bot',
      '--instructions',
      'x',
      '--tool',
      'finish',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('chatbot_id');
    const unknownTool = await runCli(dataDir, [
      'loops',
      'create',
      '--bot',
      bot.id,
      '--name',
      'x',
      '--instructions',
      'x',
      '--tool',
      'rm_rf',
    ]);
    expect(unknownTool.code).not.toBe(0);
    const listed = await runCliJson<{ data: Loop[] }>(dataDir, ['loops', 'list', '--json']);
    expect(listed.data.map((loop) => loop.id).sort()).toEqual([fromFile.id, loopId].sort());
    const table = await runCli(dataDir, ['loops', 'list']);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+CHATBOT_ID\s+TRIGGER/);
    expect(table.stdout).toContain('Leads');

    // --integration: the loop names the integration it runs on; an unknown one is refused.
    const integrationId = integration.body.id as string;
    const onIntegration = ['loops', 'create', '--name', 'Own model', '--bot', bot.id, '--instructions', 'x'];
    const named = await runCliJson<Loop & { integration_id: string | null }>(dataDir, [
      ...onIntegration,
      '--integration',
      integrationId,
      '--tool',
      'finish',
      '--json',
    ]);
    expect(named.integration_id).toBe(integrationId);
    const unknownIntegration = await runCli(dataDir, [
      ...onIntegration,
      '--integration',
      'int_01jdz6qg0ef8s9cm8y0d7sv9k2',
      '--tool',
      'finish',
    ]);
    expect(unknownIntegration.code).not.toBe(0);
    expect(unknownIntegration.stderr).toContain('No integration found');

    llm.script(
      call('search_knowledge', { query: 'refund' }),
      call('upsert_lead', { email: 'ana@example.com', name: 'Ana' }),
      call('finish', { output: 'Ana recorded.' }),
    );
    const ran = await runCli(dataDir, ['loops', 'run', loopId!, '--input', '{"customer":"ana@example.com"}']);
    // 2: the run waits for a person.
    expect(ran.code, ran.describe()).toBe(2);
    const executionId = /^Execution (exec_\w+) started\.$/m.exec(ran.stdout)?.[1];
    expect(executionId, ran.stdout).toBeDefined();
    expect(ran.stdout.split('\n').slice(1)).toEqual([
      expect.stringMatching(/^#1 model calls search_knowledge — 60 tokens \(\d+ ms\)$/),
      expect.stringMatching(/^#2 search_knowledge \{"query":"refund"\}: succeeded → .+ \(\d+ ms\)$/),
      expect.stringMatching(/^#3 model calls upsert_lead — 60 tokens \(\d+ ms\)$/),
      '#4 approval of upsert_lead {"name":"Ana","email":"ana@example.com"}: pending',
      `Execution ${executionId} waits for approval: parley loops approve ${executionId} (or reject)`,
      '',
    ]);

    const approved = await runCli(dataDir, ['loops', 'approve', executionId!]);
    expect(approved.code, approved.describe()).toBe(0);
    expect(approved.stdout).toContain(
      '#4 approval of upsert_lead {"name":"Ana","email":"ana@example.com"}: approved by cli',
    );
    expect(approved.stdout).toMatch(
      /#5 upsert_lead \{"name":"Ana","email":"ana@example.com"\}: succeeded → /,
    );
    expect(approved.stdout).toContain(`Execution ${executionId} succeeded.\nOutput: Ana recorded.\n`);
    const leads = await api(server.url, '/v1/leads', { key });
    expect(leads.body.data.map((lead: { email: string }) => lead.email)).toEqual(['ana@example.com']);

    // Approving again: nothing waits any more.
    const again = await runCli(dataDir, ['loops', 'approve', executionId!]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('not waiting for an approval');

    const executions = await runCliJson<{ data: { id: string; status: string }[] }>(dataDir, [
      'loops',
      'executions',
      loopId!,
      '--json',
    ]);
    expect(executions.data).toMatchObject([{ id: executionId, status: 'succeeded' }]);
    const one = await runCli(dataDir, ['loops', 'execution', executionId!]);
    expect(one.code, one.describe()).toBe(0);
    expect(one.stdout).toMatch(/#7 finish \{"output":"Ana recorded\."\}: succeeded/);

    // A run the provider refuses halfway ends failed (exit 1); retry goes on from there.
    llm.script(call('search_knowledge', { query: 'late' }), call('finish', { output: 'Found.' }));
    llm.enqueue({ type: 'delay', ms: 0 }, { type: 'error', status: 400, message: 'refused' });
    const failed = await runCli(dataDir, ['loops', 'run', fromFile.id]);
    expect(failed.code, failed.describe()).toBe(1);
    const failedId = /^Execution (exec_\w+) ended failed: provider_\w+: /m.exec(failed.stdout)?.[1];
    expect(failedId, failed.stdout).toBeDefined();
    const retried = await runCli(dataDir, ['loops', 'retry', failedId!]);
    expect(retried.code, retried.describe()).toBe(0);
    expect(retried.stdout).toMatch(/#3 model calls finish — 60 tokens/);
    expect(retried.stdout).toContain(`Execution ${failedId} succeeded.\nOutput: Found.\n`);

    const missing = await runCli(dataDir, ['loops', 'run', 'loop_01jdz6qg0ef8s9cm8y0d7sv9k2']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/No agent loop found/);
    await stopParley(server);

    // No server: the CLI opens the database and runs the execution's job itself.
    llm.script(call('finish', { output: { done: true } }));
    const offline = await runCliJson<{ status: string; output: unknown; steps: unknown[] }>(
      dataDir,
      ['loops', 'run', fromFile.id, '--json'],
      { env },
    );
    expect(offline).toMatchObject({ status: 'succeeded', output: { done: true } });
    expect(offline.steps).toHaveLength(2);
  }, 300_000);
});

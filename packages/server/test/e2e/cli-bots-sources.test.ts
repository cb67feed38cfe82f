// `parley bots` and `parley sources`: a chatbot and its knowledge from the command line, with
// the server running (through its socket) and without it (the CLI processes the source itself).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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

interface Bot {
  id: string;
  name: string;
  provider: string;
  system_prompt: string;
}
interface Source {
  id: string;
  type: string;
  status: string;
  chunks: number;
  pages_processed: number;
}

describe('parley bots and sources', () => {
  it('creates a bot and trains it on a file with no server running; the server then serves both', async () => {
    const dataDir = makeDataDir();
    // The default workspace comes from the first start.
    const first = await startParley(dataDir);
    const key = first.banner.keys.find((k) => k.environment === 'live')!.secret;
    await stopParley(first);

    const bot = await runCliJson<Bot>(dataDir, [
      'bots',
      'create',
      '--name',
      'Help desk',
      '--system-prompt',
      'Be brief.',
      '--json',
    ]);
    expect(bot).toMatchObject({ name: 'Help desk', provider: 'extractive', system_prompt: 'Be brief.' });
    expect(bot.id).toMatch(/^bot_/);

    const file = path.join(dataDir, 'opening-hours.md');
    writeFileSync(
      file,
      '# Opening hours\n\nThe shop is open from 9 to 17 on weekdays.\n\n## Holidays\n\nClosed on public holidays.\n',
    );
    const source = await runCliJson<Source>(dataDir, ['sources', 'add', bot.id, '--file', file, '--json']);
    expect(source).toMatchObject({ type: 'file', status: 'ready', pages_processed: 1 });
    expect(source.chunks).toBeGreaterThan(0);

    const listed = await runCliJson<{ data: Bot[] }>(dataDir, ['bots', 'list', '--json']);
    expect(listed.data.map((b) => b.id)).toEqual([bot.id]);

    // `parley chat` answers from the knowledge, with the source cited.
    const answer = await runCliJson<{ reply: string; grounded: boolean; conversation_id: string }>(dataDir, [
      'chat',
      bot.id,
      'When is the shop open?',
      '--json',
    ]);
    expect(answer).toMatchObject({ grounded: true });
    expect(answer.reply).toContain('9 to 17');
    const plain = await runCli(dataDir, ['chat', bot.id, 'When is the shop open?']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/9 to 17[\s\S]*\[1\] Opening hours/);

    // `parley export`: what the bot knows, to a file, written whole or not at all.
    const knowledgeFile = path.join(dataDir, 'knowledge.ndjson');
    const knowledge = await runCli(dataDir, ['export', 'knowledge', '--bot', bot.id, '-o', knowledgeFile]);
    expect(knowledge.code, knowledge.describe()).toBe(0);
    expect(knowledge.stderr).toContain(`Exported 1 document to ${knowledgeFile}.`);
    const [document] = readFileSync(knowledgeFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(document.source).toMatchObject({ id: source.id, type: 'file' });
    expect(document.chunks.map((chunk: { text: string }) => chunk.text).join(' ')).toContain('9 to 17');
    expect(existsSync(`${knowledgeFile}.partial`)).toBe(false);

    const server = await startParley(dataDir);
    const fetched = await api(server.url, `/v1/sources/${source.id}`, { key });
    expect(fetched.body).toMatchObject({ status: 'ready', chunks: source.chunks });

    // With the server running, the CLI goes through it and waits for the server's workers.
    const text = await runCliJson<Source>(dataDir, [
      'sources',
      'add',
      bot.id,
      '--text',
      'Returns are accepted within 30 days.',
      '--title',
      'Returns',
      '--json',
    ]);
    expect(text).toMatchObject({ type: 'text', status: 'ready' });
    const sources = await runCliJson<{ data: Source[] }>(dataDir, ['sources', 'list', bot.id, '--json']);
    expect(sources.data.map((s) => s.id).sort()).toEqual([source.id, text.id].sort());
    // Through the running server, the conversation continues where the CLI left it.
    const followUp = await runCliJson<{ reply: string; conversation_id: string }>(dataDir, [
      'chat',
      bot.id,
      'How many days do I have for returns?',
      '--conversation',
      answer.conversation_id,
      '--json',
    ]);
    expect(followUp.conversation_id).toBe(answer.conversation_id);
    expect(followUp.reply).toContain('30 days');
    // Exported through the running server: the same CSV as the API's download.
    const exported = await runCli(dataDir, ['export', 'conversations', '--format', 'csv', '--bot', bot.id]);
    expect(exported.code, exported.describe()).toBe(0);
    const download = await fetch(`${server.url}/v1/conversations/export?format=csv&chatbot_id=${bot.id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(exported.stdout).toBe(await download.text());
    expect(exported.stdout).toContain('How many days do I have for returns?');
    expect(exported.stderr).toContain('Exported 2 conversations.');
    await stopParley(server);
  }, 300_000);

  it('refuses bad input with a clear message and creates nothing', async () => {
    const dataDir = makeDataDir();
    await stopParley(await startParley(dataDir));
    const noKey = await runCli(dataDir, [
      'bots',
      'create',
      '--name',
      'Needs a key',
      '--provider',
      'anthropic',
    ]);
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toMatch(/api_key/);
    const tooLong = await runCli(dataDir, ['bots', 'create', '--name', 'x'.repeat(101)]);
    expect(tooLong.code).not.toBe(0);
    expect(tooLong.stderr).toMatch(/'name'/);
    const listed = await runCliJson<{ data: Bot[] }>(dataDir, ['bots', 'list', '--json']);
    expect(listed.data).toEqual([]);
    const unknownBot = await runCli(dataDir, [
      'sources',
      'add',
      'bot_01jdz6qg0ef8s9cm8y0d7sv9k2',
      '--text',
      'hello',
    ]);
    expect(unknownBot.code).not.toBe(0);
    expect(unknownBot.stderr).toMatch(/No chatbot found/);
    const file = path.join(dataDir, 'knowledge.ndjson');
    const noBot = await runCli(dataDir, ['export', 'knowledge', '-o', file]);
    expect(noBot.code).not.toBe(0);
    expect(noBot.stderr).toContain("A knowledge export is a chatbot's: give its id.");
    expect(existsSync(file) || existsSync(`${file}.partial`)).toBe(false);
  }, 180_000);

  it('uses the environment credential for --provider', async () => {
    const dataDir = makeDataDir();
    await stopParley(await startParley(dataDir));
    const bot = await runCliJson<Bot>(
      dataDir,
      ['bots', 'create', '--name', 'GPT', '--provider', 'openai', '--json'],
      {
        env: { OPENAI_API_KEY: 'sk-from-the-environment' },
      },
    );
    expect(bot.provider).toBe('openai');
  }, 120_000);
});

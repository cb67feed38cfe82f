// The CLI in shell pipelines: `printf 'q1\nq2\n' | parley chat BOT` answers every line, in order,
// in one conversation; `parley bots list | head -1` and the like end quietly when the reader
// stops reading.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPdf, CUSTOMER_GUIDE_PAGES } from '../helpers/pdf-file.ts';
import {
  CLI_TIMEOUT_MS,
  MAIN,
  makeDataDir,
  NODE,
  parleyEnv,
  runCliJson,
  STACK_TRACE_LINE,
  startParley,
  stopParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
});

interface Piped {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `parley ARGS` with `input` piped to its stdin, or with its stdout a pipe nobody reads
 * (`closedStdout`: the read end is closed before the process writes, as `| head` does once done).
 */
function runPiped(
  dataDir: string,
  args: string[],
  options: { input?: string; closedStdout?: boolean },
): Promise<Piped> {
  const child = spawn(NODE, [MAIN, ...args], {
    cwd: os.tmpdir(),
    env: parleyEnv(dataDir),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  if (options.closedStdout) child.stdout!.destroy();
  else child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin!.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`parley ${args.join(' ')} did not end.\n${stderr}`)),
      CLI_TIMEOUT_MS,
    );
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('parley in pipelines', () => {
  it('answers every piped line in order, in one conversation, and ends quietly on a closed pipe', async () => {
    const dataDir = makeDataDir();
    // The default workspace comes from the first start.
    await stopParley(await startParley(dataDir));
    const bot = await runCliJson<{ id: string }>(dataDir, ['bots', 'create', '--name', 'Shop', '--json']);
    await runCliJson(dataDir, [
      'sources',
      'add',
      bot.id,
      '--title',
      'Shop',
      '--text',
      'The shop is open from 9 to 17 on weekdays.\n\nReturns are accepted within 30 days.',
      '--json',
    ]);

    const questions = 'When is the shop open?\nHow many days do I have for returns?\n';
    const plain = await runPiped(dataDir, ['chat', bot.id], { input: questions });
    expect(plain.stderr).not.toMatch(/ERR_USE_AFTER_CLOSE|Error/);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/9 to 17[\s\S]*30 days/);
    const json = await runPiped(dataDir, ['chat', bot.id, '--json'], { input: questions });
    expect(json.code, json.stderr).toBe(0);
    const replies = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { reply: string; conversation_id: string });
    expect(replies).toHaveLength(2);
    expect(replies[0]!.reply).toContain('9 to 17');
    expect(replies[1]!.reply).toContain('30 days');
    expect(replies[1]!.conversation_id).toBe(replies[0]!.conversation_id);

    // A passage of a PDF is cited with its page.
    const guide = path.join(dataDir, 'customer-guide.pdf');
    writeFileSync(guide, buildPdf(CUSTOMER_GUIDE_PAGES, 'Customer guide'));
    await runCliJson(dataDir, ['sources', 'add', bot.id, '--file', guide, '--json']);
    const damaged = await runPiped(dataDir, ['chat', bot.id], {
      input: 'What do I do when my parcel arrives damaged?\n',
    });
    expect(damaged.code, damaged.stderr).toBe(0);
    expect(damaged.stdout).toMatch(/\[\d\] Customer guide, page 3/);

    // A reader that stopped reading (`| head -0`): no EPIPE crash, whatever the command.
    for (const args of [
      ['bots', 'list'],
      ['bots', 'list', '--json'],
      ['chat', bot.id, 'When is the shop open?'],
    ]) {
      const closed = await runPiped(dataDir, args, { closedStdout: true });
      expect(closed.stderr, args.join(' ')).not.toMatch(/EPIPE|Error/);
      expect(closed.stderr, args.join(' ')).not.toMatch(STACK_TRACE_LINE);
      expect(closed.code, `${args.join(' ')}: ${closed.stderr}`).toBe(0);
    }
    const chatClosed = await runPiped(dataDir, ['chat', bot.id], { input: questions, closedStdout: true });
    expect(chatClosed.stderr).not.toMatch(/EPIPE|Error/);
    expect(chatClosed.code, chatClosed.stderr).toBe(0);
  }, 300_000);
});

// The console's inbox with a long conversation: a real `parley serve`, one conversation of 500
// messages (visitor and agent in turn), opened in the console in Debian's Chromium. Measures
// the time from navigation until all 500 messages are rendered, the main thread's long tasks
// (over 50 ms) while it loads, the frame times while the thread is scrolled from top to bottom,
// and how long a new message takes from the API call to the screen (over the live stream).
//
//   node bench/console-inbox.ts                     # 500 messages, 3 rounds
//   node bench/console-inbox.ts --messages 2000 --rounds 5
//
// The console must be built (npm ci does it). The server, its data directory and the browser
// are removed at the end, even when it fails.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '..');
const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
const MAIN = path.join(ROOT, 'packages', 'server', 'src', 'main.ts');
const { values: flags } = parseArgs({
  options: {
    messages: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
  },
});
const MESSAGES = Number(flags.messages);
const ROUNDS = Number(flags.rounds);
const OWNER = { email: 'bench@example.com', password: 'bench password 1' };

const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-console-'));
const env = {
  ...process.env,
  PARLEY_DATA_DIR: dataDir,
  PORT: '0',
  HOST: '127.0.0.1',
  PARLEY_DEMO: 'false',
  LOG_LEVEL: 'warn',
};
let server: ChildProcess | null = null;

async function startServer(): Promise<{ url: string; key: string }> {
  server = spawn(NODE, [MAIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    server!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /Parley is running at (http\S+)/.exec(out)?.[1];
      const key = /live key: (\S+)/.exec(out)?.[1];
      if (url && key && /Database: /.test(out)) resolve({ url, key });
    });
    server!.on('exit', (code) => reject(new Error(`parley serve exited with ${code}:\n${out}`)));
  });
}

async function call(url: string, key: string, method: string, route: string, body?: unknown) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

async function main() {
  const { url, key } = await startServer();
  const created = spawnSync(
    NODE,
    [MAIN, 'users', 'create', '--email', OWNER.email, '--role', 'owner', '--password', OWNER.password],
    { env, encoding: 'utf8' },
  );
  if (created.status !== 0) throw new Error(created.stderr);

  // One conversation with a person: the visitor's messages (through chat, stored while a person
  // has it) and the agent's answers, in turn.
  const bot = await call(url, key, 'POST', '/v1/chatbots', { name: 'Bench' });
  const first = await call(url, key, 'POST', `/v1/chatbots/${bot.id}/chat`, {
    message: 'Hello',
    stream: false,
  });
  const conversation = first.conversation_id as string;
  await call(url, key, 'PATCH', `/v1/conversations/${conversation}`, { mode: 'human' });
  const existing = (await call(url, key, 'GET', `/v1/conversations/${conversation}`)).message_count as number;
  for (let i = existing; i < MESSAGES; i++) {
    if (i % 2 === 0) {
      await call(url, key, 'POST', `/v1/chatbots/${bot.id}/chat`, {
        message: `Visitor message ${i}: the kettle I ordered last week still has not arrived, can you check?`,
        conversation_id: conversation,
        stream: false,
      });
    } else {
      await call(url, key, 'POST', `/v1/conversations/${conversation}/messages`, {
        content: `Agent answer ${i}: I have checked your order; it left our warehouse yesterday and arrives soon.`,
        author_name: 'Sam',
      });
    }
  }
  const total = (await call(url, key, 'GET', `/v1/conversations/${conversation}`)).message_count as number;

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const results: {
    render: number;
    longTasks: number;
    longest: number;
    p95: number;
    worst: number;
    live: number;
  }[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${url}/app/sign-in`);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Chatbots' }).waitFor();
    await page.addInitScript(() => {
      const tasks: number[] = [];
      (window as unknown as { __longTasks: number[] }).__longTasks = tasks;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) tasks.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    for (let round = 0; round < ROUNDS; round++) {
      await page.goto(`${url}/app/inbox?c=${conversation}`);
      await page.waitForFunction(
        (count) => document.querySelectorAll('[data-testid="thread-message"]').length >= count,
        total,
        { timeout: 120_000, polling: 'raf' },
      );
      const render = await page.evaluate(() => performance.now());
      const longTasks = await page.evaluate(
        () => (window as unknown as { __longTasks: number[] }).__longTasks,
      );
      // Scroll the thread from top to bottom, 200 px a frame, recording each frame's time.
      const frames = await page.evaluate(async () => {
        const thread = document.querySelector('[data-testid="thread"]') as HTMLElement;
        thread.scrollTop = 0;
        const times: number[] = [];
        let last = performance.now();
        while (thread.scrollTop + thread.clientHeight < thread.scrollHeight - 1) {
          thread.scrollTop += 200;
          await new Promise((resolve) => requestAnimationFrame(resolve));
          const now = performance.now();
          times.push(now - last);
          last = now;
        }
        return times;
      });
      // A new message, from the API call to the screen.
      const before = await page.locator('[data-testid="thread-message"]').count();
      const sent = Date.now();
      await call(url, key, 'POST', `/v1/conversations/${conversation}/messages`, {
        content: `Live ${round}`,
        author_name: 'Sam',
      });
      await page.waitForFunction(
        (count) => document.querySelectorAll('[data-testid="thread-message"]').length > count,
        before,
        { polling: 'raf' },
      );
      const live = Date.now() - sent;
      results.push({
        render,
        longTasks: longTasks.reduce((sum, d) => sum + d, 0),
        longest: Math.max(0, ...longTasks),
        p95: percentile(frames, 95),
        worst: Math.max(...frames),
        live,
      });
      console.log(
        `round ${round + 1}: ${total} messages rendered ${render.toFixed(0)} ms after navigation; long tasks ${longTasks.length} (${results.at(-1)!.longTasks.toFixed(0)} ms, longest ${results.at(-1)!.longest.toFixed(0)} ms); scroll ${frames.length} frames, p95 ${results.at(-1)!.p95.toFixed(1)} ms, worst ${results.at(-1)!.worst.toFixed(1)} ms; a new message on screen in ${live} ms`,
      );
    }
  } finally {
    await browser.close();
  }
  const m = (pick: (r: (typeof results)[number]) => number) => median(results.map(pick)).toFixed(0);
  console.log(
    `\nmedian of ${ROUNDS}: ${total} messages rendered in ${m((r) => r.render)} ms; long tasks ${m((r) => r.longTasks)} ms in all, longest ${m((r) => r.longest)} ms; scrolling p95 frame ${m((r) => r.p95)} ms, worst ${m((r) => r.worst)} ms; a new message on screen in ${m((r) => r.live)} ms`,
  );
}

try {
  await main();
} finally {
  (server as ChildProcess | null)?.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  rmSync(dataDir, { recursive: true, force: true });
}

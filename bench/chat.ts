// Chat speed: how fast a chatbot with ~50,000 chunks answers when the AI provider answers at once.
// A real `parley serve` (child process) holds the PostgreSQL 15 manual, uploaded as Markdown files
// several times over; a fake OpenAI-compatible server in this process answers every call instantly.
// Measures chats/s and the latency Parley adds (p50, p99) for JSON answers and for the first byte of
// streamed ones, and retrieval alone. bench/README.md ("Chat speed") has the figures.
//
//   node bench/chat.ts                # embedded PGlite, in a temporary data directory
//   node bench/chat.ts --pg           # PostgreSQL: BENCH_DATABASE_URL (a server), or the local one
//   node bench/chat.ts --copies 9     # copies of the manual (default: as many as make ~50k chunks)
//   node bench/chat.ts --duration 5   # seconds per throughput case (default 10)
//   node bench/chat.ts --chats 100    # sequential chats per case (default 200)
//   node bench/chat.ts --profile prof # run the server with --cpu-prof while chatting, into ./prof
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../packages/server/src/db/client.ts';
import { createLogger } from '../packages/server/src/lib/logger.ts';
import { startFakeOpenAI } from '../packages/server/test/fakes/fake-openai.ts';
import { type CpuShares, percentiles, sleep, startCpuMeter, waitForQuietMachine } from './lib/machine.ts';

const MANUAL = '/usr/share/doc/postgresql-doc-15/html';
const ROOT = path.resolve(import.meta.dirname, '..');
const QUESTIONS_FILE = path.join(import.meta.dirname, 'retrieval-questions.json');
const TARGET_CHUNKS = 50_000;
const FILE_BYTES = 3 * 1024 * 1024; // each uploaded Markdown file holds about this much of a copy
const WARMUP_CHATS = 30;
const WARMUP_S = 3;

const { values: flags } = parseArgs({
  options: {
    pg: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    copies: { type: 'string' },
    chats: { type: 'string', default: '200' },
    profile: { type: 'string' },
  },
});
const DURATION_S = Number(flags.duration);
const CHATS = Number(flags.chats);
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USE_PG = flags.pg || Boolean(process.env.BENCH_DATABASE_URL);
// The rate limiter must count every request without ever answering 429; enterprise has no quota.
const UNLIMITED_PLANS = '{"enterprise":{"requests_per_minute":100000000}}';
// What the fake model says: a short answer that cites the first passage, streamed in four pieces.
const REPLY_CHUNKS = ['According to the manual,', ' this is done as the passage', ' describes', '. [1]'];

// autocannon ships no types; this is the part of its API used here.
type AutocannonResult = { duration: number; requests: { total: number } } & Record<
  'errors' | 'timeouts' | 'non2xx',
  number
>;
type AutocannonRun = PromiseLike<AutocannonResult> & {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  requests: Array<{ method: string; path: string; headers: Record<string, string>; body: string }>;
}) => AutocannonRun;

// The built-in questions, when bench/retrieval-questions.json is not there.
const BUILT_IN_QUESTIONS = [
  'How do I create a read-only user?',
  'How do I make a backup of a single database?',
  'How do I restore a dump made with pg_dump in the custom format?',
  'How do I add a column to an existing table?',
  'How do I change the port the server listens on?',
  'How do I build an index without blocking writes to the table?',
  'How can I see which queries are running right now?',
  'How do I find out why a query is slow?',
  'How do I set up streaming replication to a standby server?',
  'What does VACUUM FULL do differently from plain VACUUM?',
  'How do I allow connections from other machines?',
  'What is the difference between a JSON and a JSONB column?',
  'How do I create a table partitioned by range?',
  'How do I give a user permission to create databases?',
  'What isolation levels does PostgreSQL support?',
  'How do I write a function in PL/pgSQL?',
  'How do I create a trigger that runs before an insert?',
  'How do I use a common table expression with RECURSIVE?',
  'What does the shared_buffers setting control?',
  'How do I enable logging of slow statements?',
  'How do I import a CSV file into a table?',
  'How do I rename a database?',
  'What is a sequence and how do I reset it?',
  'How do I upgrade to a new major version with pg_upgrade?',
  'How do I set up full-text search on a column?',
  'What causes the error "deadlock detected"?',
  'How do I lock a table explicitly?',
  'How do I configure SSL for client connections?',
  'What do the window functions rank and dense_rank do?',
  'How do I create a materialized view and refresh it?',
];

interface Server {
  child: ChildProcess;
  url: string;
  logFile: string;
}

const children = new Set<ChildProcess>();
let tempDir = '';
let benchDatabase: string | null = null;

async function main(): Promise<void> {
  if (!existsSync(path.join(MANUAL, 'index.html'))) {
    console.log(
      `The PostgreSQL manual is not installed: apt-get install -y postgresql-doc-15 (looked in ${MANUAL}).`,
    );
    return;
  }
  if (!(DURATION_S > 0 && CHATS > 0)) throw new Error('--duration and --chats must be > 0');
  if (flags.copies !== undefined && !(Number(flags.copies) >= 1)) throw new Error('--copies must be ≥ 1');
  tempDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-chat-'));
  // A crash or Ctrl-C must not leave the server running, the temp dir or the database behind.
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(tempDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  const fake = await startFakeOpenAI({
    reply: { chunks: REPLY_CHUNKS, inputTokens: 1500, outputTokens: 20 },
  });
  const provider = timeProviderCalls(fake.requests);
  try {
    const databaseUrl = USE_PG ? await createBenchDatabase() : null;
    const questions = loadQuestions();
    console.log(
      `Chat speed on ${USE_PG ? 'PostgreSQL' : 'PGlite'}: ${questions.list.length} questions (${questions.from})`,
    );
    let server = await startParley(databaseUrl, false);
    const key = /live key: (prl_live_\w+)/.exec(readFileSync(server.logFile, 'utf8'))?.[1];
    if (!key) throw new Error('the server banner has no live key');
    const client = apiClient(server, key);

    const bot = await client.json('POST', '/v1/chatbots', { name: 'PostgreSQL manual' });
    const botId = String(bot.id);
    const chunks = await ingest(client, botId);
    await client.json('POST', `/v1/chatbots/${botId}/integrations`, {
      provider: 'openai_compatible',
      model: 'bench-model',
      base_url: fake.baseUrl,
    });

    // A fresh process for the measurements: ingestion's heap and caches do not carry over, and a
    // --profile covers the chats only. In between, the database is vacuumed and analysed.
    await stopProcess(server.child);
    await vacuum(databaseUrl);
    server = await startParley(databaseUrl, Boolean(flags.profile));
    client.server = server;

    const results = await measure(client, botId, questions.list, provider);
    printResults(results, chunks);
    if (flags.profile) {
      await stopProcess(server.child); // the profile is written when the process exits
      console.log(`\nCPU profile of the server in ${path.resolve(flags.profile)}`);
    }
  } finally {
    await fake.close();
    await cleanup();
  }
}

// ---------------------------------------------------------------------------------------------
// The server

/** Starts `parley serve` on the bench's data directory or database; waits for its banner. */
async function startParley(databaseUrl: string | null, profile: boolean): Promise<Server> {
  const logFile = path.join(tempDir, `parley-${Date.now()}.log`);
  const fd = openSync(logFile, 'w');
  const prof = profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(flags.profile!)}`] : [];
  const child = spawn(process.execPath, [...prof, path.join(ROOT, 'packages/server/src/main.ts'), 'serve'], {
    env: {
      ...process.env,
      PARLEY_DATA_DIR: path.join(tempDir, 'data'),
      DATABASE_URL: databaseUrl ?? '',
      REDIS_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      PARLEY_ALLOW_PRIVATE_NETWORK: 'true', // the fake provider is on 127.0.0.1
      PARLEY_PLANS: UNLIMITED_PLANS,
      PARLEY_DEMO: 'false', // no demo bot being trained while measuring
      PARLEY_MAX_UPLOAD_BYTES: String(4 * FILE_BYTES),
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.add(child);
  child.on('exit', () => children.delete(child));
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    await sleep(100);
    const output = readFileSync(logFile, 'utf8');
    const url = /Parley is running at (\S+)/.exec(output)?.[1];
    if (url) return { child, url, logFile };
    if (child.exitCode !== null) throw new Error(`parley exited with ${child.exitCode}:\n${output}`);
  }
  throw new Error(`parley did not start within 120 s; see ${logFile}`);
}

/** SIGTERM (the server finishes in-flight requests and closes its database), then waits. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

function serverState(server: Server): string {
  const state = server.child.exitCode ?? server.child.signalCode ?? 'still running';
  const tail = readFileSync(server.logFile, 'utf8').split('\n').slice(-20).join('\n');
  return `the server: ${state}; the end of its output:\n${tail}`;
}

// ---------------------------------------------------------------------------------------------
// HTTP: node:http with keep-alive, so that the client's own cost per request stays small

interface Timed {
  status: number;
  body: string;
  /** Milliseconds from sending the request to the end of the response. */
  total: number;
  /** Streams: milliseconds to the first `conversation`, the first `delta` and the `done` event. */
  events: Record<string, number>;
}

function apiClient(initial: Server, key: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const client = {
    server: initial,
    key,
    /** One request, timed; `events` records when each SSE event name was first seen. */
    request(
      method: string,
      urlPath: string,
      body?: string | Buffer,
      contentType = 'application/json',
    ): Promise<Timed> {
      const url = new URL(urlPath, client.server.url);
      return new Promise((resolve, reject) => {
        const started = performance.now();
        const events: Record<string, number> = {};
        const req = http.request(
          url,
          {
            method,
            agent,
            headers: {
              authorization: `Bearer ${key}`,
              ...(body === undefined
                ? {}
                : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }),
            },
          },
          (res) => {
            const parts: string[] = [];
            let pending = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              parts.push(chunk);
              if (!res.headers['content-type']?.startsWith('text/event-stream')) return;
              const now = performance.now() - started;
              pending += chunk;
              for (const match of pending.matchAll(/^event: (\w+)$/gm)) events[match[1]!] ??= now;
              pending = pending.slice(pending.lastIndexOf('\n') + 1);
            });
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: parts.join(''),
                total: performance.now() - started,
                events,
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    /** A JSON request that must succeed; answers the parsed body. */
    async json(method: string, urlPath: string, body?: unknown): Promise<Record<string, unknown>> {
      const response = await client.request(
        method,
        urlPath,
        body === undefined ? undefined : JSON.stringify(body),
      );
      if (response.status >= 300) {
        throw new Error(`${method} ${urlPath}: ${response.status} ${response.body.slice(0, 500)}`);
      }
      return JSON.parse(response.body) as Record<string, unknown>;
    },
    /** multipart/form-data upload of one file source. */
    async upload(botId: string, filename: string, title: string, content: string) {
      const form = new FormData();
      form.set('type', 'file');
      form.set('title', title);
      form.set('file', new Blob([content], { type: 'text/markdown' }), filename);
      const request = new Request('http://form/', { method: 'POST', body: form });
      const contentType = request.headers.get('content-type')!;
      const bytes = Buffer.from(await request.arrayBuffer());
      const response = await client.request('POST', `/v1/chatbots/${botId}/sources`, bytes, contentType);
      if (response.status !== 202)
        throw new Error(`upload of ${filename}: ${response.status} ${response.body}`);
      return JSON.parse(response.body) as Record<string, unknown>;
    },
  };
  return client;
}
type ApiClient = ReturnType<typeof apiClient>;

// ---------------------------------------------------------------------------------------------
// Knowledge: the manual as Markdown files, uploaded as many times as make ~50k chunks

interface Page {
  title: string;
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function inlineText(html: string): string {
  return decodeEntities(html.replace(/<[^>]+>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

/** One page of the manual as Markdown-ish text: tags stripped, headings and code blocks kept. */
function pageText(html: string): Page {
  const title = inlineText(/<title>([\s\S]*?)<\/title>/i.exec(html)?.[1] ?? '');
  const body = (/<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html)
    .replace(/<div class="nav(header|footer)">[\s\S]*?<\/div>/g, '') // Prev / Up / Next links
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1>/gi, (_, level: string, inner: string) => {
      const heading = inlineText(inner);
      return heading === title ? '\n\n' : `\n\n${'#'.repeat(Math.min(6, Number(level) + 1))} ${heading}\n\n`;
    })
    .replace(/<pre\b[^>]*>/gi, '\n\n```\n')
    .replace(/<\/pre>/gi, '\n```\n\n')
    .replace(/<\/?(p|div|table|tr|ul|ol|li|dl|dt|dd|br|hr|blockquote)\b[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, '');
  const text = decodeEntities(body)
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { title, text };
}

/** The files of one copy: pages in file-name order, each under its title as a `# ` heading, ~3 MB a file. */
function copyFiles(pages: Page[], copy: number): Array<{ filename: string; title: string; content: string }> {
  const files: Array<{ filename: string; title: string; content: string }> = [];
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    const part = files.length + 1;
    const title = `PostgreSQL 15 manual, copy ${copy}, part ${part}`;
    files.push({
      filename: `postgresql-15-manual-copy-${copy}-part-${part}.md`,
      title,
      // Front matter names the document; without it, its first heading (one page's title) would.
      content: `---\ntitle: ${title}\n---\n\n${parts.join('')}`,
    });
    parts = [];
    size = 0;
  };
  for (const page of pages) {
    const section = `# Copy ${copy} — ${page.title}\n\n${page.text}\n\n`;
    parts.push(section);
    size += Buffer.byteLength(section);
    if (size >= FILE_BYTES) flush();
  }
  if (parts.length > 0) flush();
  return files;
}

/** Uploads copies of the manual until the bot holds ~50k chunks; answers the chunk count. */
async function ingest(client: ApiClient, botId: string): Promise<number> {
  const pages = readdirSync(MANUAL)
    .filter((name) => name.endsWith('.html'))
    .sort()
    .map((name) => pageText(readFileSync(path.join(MANUAL, name), 'utf8')))
    .filter((page) => page.text.length > 0);
  const started = performance.now();
  const upload = async (copies: number[]) => {
    const ids: string[] = [];
    for (const copy of copies) {
      for (const file of copyFiles(pages, copy)) {
        ids.push(String((await client.upload(botId, file.filename, file.title, file.content)).id));
      }
      console.log(`  uploaded copy ${copy} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    return ids;
  };
  const sources: string[] = [];
  const first = copyFiles(pages, 1);
  const megabytes = first.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0) / 1e6;
  console.log(
    `Knowledge: ${pages.length} pages of the manual as Markdown, ${megabytes.toFixed(1)} MB in ${first.length} files per copy`,
  );
  // One copy first: its chunk count says how many copies make ~50k chunks.
  sources.push(...(await upload([1])));
  let chunks = await waitForSources(client, sources, started);
  const copies = flags.copies ? Number(flags.copies) : Math.max(1, Math.round(TARGET_CHUNKS / chunks));
  if (copies > 1) {
    console.log(
      `  copy 1: ${chunks} chunks; uploading ${copies - 1} more ${copies === 2 ? 'copy' : 'copies'}`,
    );
    sources.push(...(await upload(Array.from({ length: copies - 1 }, (_, i) => i + 2))));
    chunks = await waitForSources(client, sources, started);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  ingestion: ${copies} ${copies === 1 ? 'copy' : 'copies'}, ${sources.length} files, ${chunks.toLocaleString('en')} chunks in ${seconds.toFixed(0)} s (${(chunks / seconds).toFixed(0)} chunks/s)`,
  );
  return chunks;
}

/** Polls the sources until all are ready, printing progress; answers their chunks. */
async function waitForSources(client: ApiClient, ids: string[], started: number): Promise<number> {
  let lastLine = '';
  for (;;) {
    const rows = await Promise.all(ids.map((id) => client.json('GET', `/v1/sources/${id}`)));
    const failed = rows.find((row) => row.status === 'failed');
    if (failed) throw new Error(`source ${failed.id} failed: ${failed.error}`);
    const ready = rows.filter((row) => row.status === 'ready').length;
    const chunks = rows.reduce((sum, row) => sum + Number(row.chunks ?? 0), 0);
    const line = `  ${ready}/${ids.length} files ready, ${chunks.toLocaleString('en')} chunks`;
    if (line !== lastLine) console.log(`${line} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    lastLine = line;
    if (ready === ids.length) return chunks;
    await sleep(2000);
  }
}

/**
 * VACUUM (ANALYZE) of the whole database, with the server stopped: the steady state after a large
 * ingestion. Retrieval reads postings through index-only scans, which need the visibility map that
 * VACUUM sets, and its plans need statistics. PostgreSQL gets both from autovacuum (when it is on);
 * the embedded database has none, and the server vacuums the postings itself in the background
 * after a bot's first search, which would otherwise overlap the warm-up and the first measurements.
 */
async function vacuum(databaseUrl: string | null): Promise<void> {
  const started = performance.now();
  const db = await openDatabase({
    databaseUrl,
    pgliteDir: path.join(tempDir, 'data', 'pgdata'),
    logger: createLogger('silent'),
    poolSize: 1,
  });
  try {
    const setting = databaseUrl ? (await db.query<{ autovacuum: string }>('SHOW autovacuum'))[0] : null;
    await db.exec('VACUUM (ANALYZE)');
    const why = setting
      ? `what autovacuum does after a large ingestion (autovacuum is ${setting.autovacuum} on this server)`
      : 'what the server does by itself after the first search (the embedded database has no autovacuum)';
    console.log(`  VACUUM (ANALYZE) in ${((performance.now() - started) / 1000).toFixed(0)} s: ${why}`);
  } finally {
    await db.close();
  }
}

function loadQuestions(): { list: string[]; from: string } {
  if (!existsSync(QUESTIONS_FILE)) return { list: BUILT_IN_QUESTIONS, from: 'built-in list' };
  const file = JSON.parse(readFileSync(QUESTIONS_FILE, 'utf8')) as {
    questions: Array<{ q: string; pages: string[] }>;
  };
  const list = file.questions.filter((question) => question.pages.length > 0).map((question) => question.q);
  return { list, from: 'the answerable ones of bench/retrieval-questions.json' };
}

// ---------------------------------------------------------------------------------------------
// The provider's own time, measured on the fake's side

interface ProviderCall {
  start: number;
  end: Promise<number>;
  bytes: number;
}

/**
 * The fake pushes each request onto its `requests` array as it arrives, and resolves the record's
 * `closed` once its answer has been written: that interval is the provider's own time. The records
 * themselves are not kept (they hold whole prompts).
 */
function timeProviderCalls(requests: { closed: Promise<void>; headers: http.IncomingHttpHeaders }[]) {
  const calls: ProviderCall[] = [];
  requests.push = (...records) => {
    for (const record of records) {
      const start = performance.now();
      const end = record.closed.then(() => performance.now());
      calls.push({ start, end, bytes: Number(record.headers['content-length'] ?? 0) });
    }
    return 0;
  };
  return {
    calls,
    /** The provider's time (sum of its calls) and the call count since `from`. */
    async since(from: number): Promise<{ ms: number; count: number; bytes: number }> {
      const made = calls.slice(from);
      const ends = await Promise.all(made.map((call) => call.end));
      const ms = made.reduce((sum, call, i) => sum + ends[i]! - call.start, 0);
      return { ms, count: made.length, bytes: made.reduce((sum, call) => sum + call.bytes, 0) };
    },
  };
}
type ProviderTimer = ReturnType<typeof timeProviderCalls>;

// ---------------------------------------------------------------------------------------------
// Measurements

interface Row {
  name: string;
  count: number;
  perSecond: number | null;
  p50: number;
  p99: number;
  note: string;
  cpu: CpuShares | null;
}

interface Results {
  rows: Row[];
  added: { json: { p50: number; p99: number }; ttfb: { p50: number; p99: number } };
  provider: { p50: number; p99: number; promptKb: number };
  grounded: number;
  chats: number;
  noProviderCall: number;
}

async function measure(client: ApiClient, botId: string, questions: string[], provider: ProviderTimer) {
  const chatPath = `/v1/chatbots/${botId}/chat`;
  const question = (i: number) => questions[i % questions.length]!;
  const chat = async (i: number, stream: boolean) => {
    const body = JSON.stringify(stream ? { message: question(i), stream: true } : { message: question(i) });
    const response = await client.request('POST', chatPath, body);
    if (response.status !== 200 || response.events.error !== undefined) {
      throw new Error(
        `chat: ${response.status} ${response.body.slice(0, 500)}\n${serverState(client.server)}`,
      );
    }
    return response;
  };

  // One chat, shown, so the output proves the provider was really called and cited.
  const before = provider.calls.length;
  const sample = JSON.parse((await chat(0, false)).body) as Record<string, unknown>;
  if (sample.provider !== 'openai_compatible' || provider.calls.length === before) {
    throw new Error(`the chat did not call the fake provider: ${JSON.stringify(sample).slice(0, 500)}`);
  }
  const sources = sample.sources_used as Array<{ title: string; citation: number }>;
  console.log(
    `\nSample chat: "${question(0)}" → "${sample.reply}" (${sample.provider}/${sample.model}, grounded ${sample.grounded}, ${sources.length} source(s) cited: ${sources.map((s) => s.title).join('; ')})`,
  );
  console.log(
    'Each chat starts a new conversation (no conversation_id): no history, so no follow-up rewrite call.',
  );

  const searchPath = `/v1/chatbots/${botId}/search`;
  const search = async (i: number) => {
    const response = await client.request('POST', searchPath, JSON.stringify({ query: question(i) }));
    if (response.status !== 200) throw new Error(`search: ${response.status} ${response.body.slice(0, 500)}`);
    return response;
  };
  // A server without the search endpoint is measured without it.
  const probe = await client.request('POST', searchPath, JSON.stringify({ query: question(0) }));
  const hasSearch = !(probe.status === 404 && probe.body.includes('route_not_found'));
  if (!hasSearch)
    console.log(`POST ${searchPath.replace(botId, '{id}')} is not there: retrieval alone is not measured.`);

  // Warm-up: JIT, the key cache, the pool, the database's caches.
  await waitForQuietMachine();
  for (let i = 0; i < WARMUP_CHATS; i++) {
    await chat(i, false);
    await chat(i, true);
    if (hasSearch) await search(i);
  }

  const rows: Row[] = [];
  const pid = client.server.child.pid!;

  // (1) retrieval alone
  if (hasSearch) {
    const cpu = startCpuMeter({ serverPid: pid, database: benchDatabase });
    const searchMs: number[] = [];
    for (let i = 0; i < CHATS; i++) searchMs.push((await search(i)).total);
    rows.push(sequentialRow('search (retrieval alone)', searchMs, cpu.stop(), 'POST /search'));
  }

  // (2) sequential JSON chats; the provider's time of each is taken off its total
  await waitForQuietMachine();
  let cpu = startCpuMeter({ serverPid: pid, database: benchDatabase });
  const jsonMs: number[] = [];
  const jsonAdded: number[] = [];
  const providerMs: number[] = [];
  let grounded = 0;
  let noProviderCall = 0;
  let promptBytes = 0;
  for (let i = 0; i < CHATS; i++) {
    const from = provider.calls.length;
    const response = await chat(i, false);
    const calls = await provider.since(from);
    const reply = JSON.parse(response.body) as { grounded: boolean; mode: string };
    if (reply.mode !== 'ai') throw new Error(`chat answered in ${reply.mode} mode: "${question(i)}"`);
    if (reply.grounded) grounded++;
    if (calls.count === 0) noProviderCall++;
    else providerMs.push(calls.ms);
    promptBytes += calls.bytes;
    jsonMs.push(response.total);
    jsonAdded.push(response.total - calls.ms);
  }
  const jsonCpu = cpu.stop();
  rows.push(sequentialRow('chat JSON, total', jsonMs, jsonCpu, 'client to client'));
  rows.push(sequentialRow('chat JSON, added by Parley', jsonAdded, null, 'total − provider'));
  rows.push(sequentialRow('provider (fake), per call', providerMs, null, 'on the fake’s side'));

  // (3) sequential streamed chats: the first byte is the `conversation` event
  await waitForQuietMachine();
  cpu = startCpuMeter({ serverPid: pid, database: benchDatabase });
  const firstByte: number[] = [];
  const firstDelta: number[] = [];
  const done: number[] = [];
  for (let i = 0; i < CHATS; i++) {
    const response = await chat(i, true);
    const events = response.events;
    if (events.conversation === undefined || events.done === undefined) {
      throw new Error(`stream without conversation or done: ${response.body.slice(0, 500)}`);
    }
    firstByte.push(events.conversation);
    if (events.delta !== undefined) firstDelta.push(events.delta);
    done.push(events.done);
  }
  const streamCpu = cpu.stop();
  rows.push(sequentialRow('stream, first byte', firstByte, streamCpu, '`conversation` event'));
  rows.push(sequentialRow('stream, first delta', firstDelta, null, 'after the provider’s first token'));
  rows.push(sequentialRow('stream, done', done, null, '`done` event'));

  // (4) throughput: JSON chats with autocannon, one connection and eight
  for (const connections of [1, 8]) rows.push(await throughputRow(client, chatPath, questions, connections));

  const at = percentiles(providerMs);
  return {
    rows,
    added: { json: percentiles(jsonAdded), ttfb: percentiles(firstByte) },
    provider: { ...at, promptKb: promptBytes / Math.max(1, providerMs.length) / 1024 },
    grounded,
    chats: CHATS,
    noProviderCall,
  } satisfies Results;
}

function sequentialRow(name: string, ms: number[], cpu: CpuShares | null, note: string): Row {
  return { name, count: ms.length, perSecond: null, ...percentiles(ms), note, cpu };
}

async function throughputRow(client: ApiClient, chatPath: string, questions: string[], connections: number) {
  const url = client.server.url;
  const headers = { authorization: `Bearer ${client.key}`, 'content-type': 'application/json' };
  const requests = questions.map((q) => ({
    method: 'POST',
    path: chatPath,
    headers,
    body: JSON.stringify({ message: q }),
  }));
  await waitForQuietMachine();
  await checked(autocannon({ url, connections, duration: WARMUP_S, requests }), client);
  const latencies: number[] = [];
  const cpu = startCpuMeter({ serverPid: client.server.child.pid!, database: benchDatabase });
  const run = autocannon({ url, connections, duration: DURATION_S, requests });
  run.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await checked(run, client);
  return {
    name: `chat JSON, ${connections} connection${connections === 1 ? '' : 's'}`,
    count: result.requests.total,
    perSecond: result.requests.total / result.duration,
    ...percentiles(latencies),
    note: `autocannon, ${DURATION_S} s`,
    cpu: cpu.stop(),
  } satisfies Row;
}

/** A run with any non-2xx, error or timeout fails the bench: a 4xx would flatter the figures. */
async function checked(run: AutocannonRun, client: ApiClient): Promise<AutocannonResult> {
  const result = await run;
  if (result.errors || result.timeouts || result.non2xx) {
    const counts = `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`;
    throw new Error(`autocannon: ${counts}; ${serverState(client.server)}`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Output

function printResults(results: Results, chunks: number): void {
  const pct = (value: number | undefined) => (value === undefined ? '' : `${value.toFixed(0)}%`);
  console.log(`\n${USE_PG ? 'PostgreSQL' : 'PGlite'}, ${chunks.toLocaleString('en')} chunks`);
  console.log('\n| case | n | chats/s | p50 ms | p99 ms | CPU: server | postgres | bench | other | |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const row of results.rows) {
    const cpu = row.cpu
      ? [pct(row.cpu.server), USE_PG ? pct(row.cpu.postgres) : '–', pct(row.cpu.bench), pct(row.cpu.other)]
      : ['', '', '', ''];
    const cells = [
      row.name,
      String(row.count),
      row.perSecond === null ? '' : row.perSecond.toFixed(1),
      row.p50.toFixed(2),
      row.p99.toFixed(2),
      ...cpu,
      row.note,
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  const { json, ttfb } = results.added;
  const verdict = (ms: number) => (ms < 25 ? 'met' : 'missed');
  console.log(
    `\nAdded by Parley, p50: JSON ${json.p50.toFixed(1)} ms (goal < 25 ms: ${verdict(json.p50)}), stream first byte ${ttfb.p50.toFixed(1)} ms (${verdict(ttfb.p50)})`,
  );
  const search = results.rows.find((row) => row.name.startsWith('search'));
  if (search) {
    console.log(
      `Retrieval alone (POST /search), p50: ${search.p50.toFixed(1)} ms; the rest of a JSON chat, p50: ${(json.p50 - search.p50).toFixed(1)} ms`,
    );
  }
  console.log(
    `Provider (fake) per call: p50 ${results.provider.p50.toFixed(2)} ms, p99 ${results.provider.p99.toFixed(2)} ms; prompt ${results.provider.promptKb.toFixed(1)} KB on average`,
  );
  console.log(
    `Sequential JSON chats: ${results.grounded}/${results.chats} grounded, ${results.noProviderCall} answered with the fallback without a provider call`,
  );
  const machine = `${cpus().length} × ${cpus()[0]?.model}, node ${process.version}`;
  console.log(`\n${machine}, ${new Date().toISOString()}`);
  if (results.rows.some((row) => (row.cpu?.other ?? 0) > 15)) {
    console.log('warning: other processes used the CPU during the run (column "other"); run again.');
  }
}

// ---------------------------------------------------------------------------------------------
// Database and cleanup

async function createBenchDatabase(): Promise<string> {
  const name = `parley_bench_chat_${process.pid}`; // a name of its own: no existing database is touched
  await adminQuery(`CREATE DATABASE ${name}`);
  benchDatabase = name;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function cleanup(): Promise<void> {
  await Promise.all([...children].map(stopProcess));
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  const name = benchDatabase;
  benchDatabase = null;
  if (name) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

await main();

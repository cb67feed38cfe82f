// Answer quality on knowledge bases of different sizes and domains, with question sets written
// blind (from the pages only, before any tuning) and split into two fixed halves: tune on half A,
// report both. Everything goes through the API as a user would: each site is served on localhost
// and crawled as a `website` source, questions go to POST /v1/chatbots/{id}/search and to
// POST /v1/chatbots/{id}/chat with the built-in offline answerer (no AI provider). A textbook BM25
// over the same chunks runs in the same pass.
//
//   node bench/quality.ts                    # embedded PGlite in a temporary data directory
//   node bench/quality.ts --data-dir DIR     # PGlite in DIR, kept: sites ingested there are reused
//   node bench/quality.ts --pg               # PostgreSQL: BENCH_DATABASE_URL, or the local server
//   node bench/quality.ts --sets saas-faq,municipality   # some of the sets only
//   node bench/quality.ts --verbose          # every question: ranks, fallback, fact found
//   node bench/quality.ts --out FILE.json    # every question's outcome, for analysis
//   node bench/quality.ts --search-only      # rankings only, no chat (a quicker loop)
//
// Per set and half it prints recall@1, recall@5 and MRR@10 (page level, questions the pages
// answer; follow-ups need their conversation and are measured by chat only), false fallbacks on
// answerable questions, fallbacks on unanswerable ones, and fact-in-reply: the offline reply
// contains one of the question's labelled facts. bench/README.md ("Answer quality") has figures.
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../packages/server/src/config.ts';
import { createLogger } from '../packages/server/src/lib/logger.ts';
import { startServer } from '../packages/server/src/runtime/serve.ts';
import { firstRightRank, pagesInOrder, percentile, rankMetrics, textbookBm25 } from './lib/ranking.ts';

const HERE = import.meta.dirname;
interface KnowledgeSet {
  name: string;
  title: string;
  root: string;
  /** Debian package that installs the pages, when they are not in this repository. */
  debian?: string;
}
const SETS: KnowledgeSet[] = [
  {
    name: 'saas-faq',
    title: 'a booking app’s help and policy site (8 pages, written for this bench)',
    root: path.join(HERE, 'quality/sites/saas-faq'),
  },
  {
    name: 'municipality',
    title: 'a borough council’s web site (26 pages, written for this bench; not software)',
    root: path.join(HERE, 'quality/sites/municipality'),
  },
  {
    name: 'gnucash-help',
    title: 'the GnuCash Help manual (~110 pages, a desktop accounting application’s help center)',
    root: '/usr/share/doc/gnucash-docs/gnucash-help-en',
    debian: 'gnucash-docs',
  },
  {
    name: 'gimp-help',
    title: 'the GIMP 2.10 user manual (~690 pages)',
    root: '/usr/share/gimp/2.0/help/en',
    debian: 'gimp-help-en',
  },
  {
    name: 'debian-handbook',
    title: 'the Debian Administrator’s Handbook (~127 pages, a system administration book; never tuned on)',
    root: '/usr/share/doc/debian-handbook/html/en-US',
    debian: 'debian-handbook',
  },
  {
    name: 'postgresql-manual',
    title: 'the PostgreSQL 15 manual (~1,170 pages; its questions written after all the tuning above)',
    root: '/usr/share/doc/postgresql-doc-15/html',
    debian: 'postgresql-doc-15',
  },
];

interface Question {
  id: string;
  half: 'A' | 'B';
  style: string;
  q: string;
  history?: string[];
  pages: string[];
  facts: string[];
}

interface Outcome {
  id: string;
  set: string;
  half: 'A' | 'B';
  style: string;
  q: string;
  answerable: boolean;
  /** Rank of the first right page in Parley's search and in BM25; null when not measured. */
  rank: number | null;
  bm25Rank: number | null;
  searchEmpty: boolean | null;
  top: string[];
  reply: string;
  grounded: boolean;
  factFound: boolean;
  cited: string[];
}

const { values: flags } = parseArgs({
  options: {
    pg: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    sets: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    out: { type: 'string' },
    'search-only': { type: 'boolean', default: false },
  },
});
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USE_PG = flags.pg || Boolean(process.env.BENCH_DATABASE_URL);
const TOP_K = 50;

/** Serves a folder as a web site would. */
async function serveFolder(root: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const urlPath = decodeURIComponent((request.url ?? '/').split('?')[0]!);
    const file = path.join(root, path.normalize(urlPath === '/' ? '/index.html' : urlPath));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream';
    response.writeHead(200, { 'content-type': type });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A page's id: its path under the site's root. */
function pageOf(url: string | null): string {
  if (!url) return '';
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** Lower case, one space, no citation markers or Markdown emphasis: how a fact is looked for. */
function normalise(text: string): string {
  return (
    text
      .normalize('NFKC')
      .replace(/\s?\[\d+(?:\s*,\s*\d+)*\]/g, '')
      .replace(/[*_`]/g, '')
      .replace(/[‘’]/g, "'")
      .replace(/[“”]/g, '"')
      .replace(/[‐‑‒–—]/g, '-')
      // Keys and menu paths are written with and without spaces: "Shift + C", "Shift+C".
      .replace(/\s*([+→])\s*/g, '$1')
      .replace(/\s+/g, ' ')
      .toLowerCase()
      .trim()
  );
}

function loadQuestions(set: string): Question[] {
  const file = path.join(HERE, 'quality/questions', `${set}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { questions: Question[] }).questions;
}

type Api = <T>(method: string, url: string, body?: unknown) => Promise<T>;

function apiClient(base: string, key: string): Api {
  return async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
}

interface Source {
  id: string;
  status: string;
  pages_processed: number;
  pages_discovered: number;
  chunks: number;
  error: string | null;
}

/** The set's chatbot: reused when a kept data directory has it trained, otherwise crawled now. */
async function trainedBot(api: Api, set: KnowledgeSet, origin: string): Promise<string> {
  const name = `Quality: ${set.name}`;
  const bots = await api<{ data: { id: string; name: string }[] }>('GET', '/v1/chatbots?page_size=100');
  const existing = bots.data.find((bot) => bot.name === name);
  if (existing) {
    const sources = await api<{ data: Source[] }>('GET', `/v1/chatbots/${existing.id}/sources`);
    if (sources.data.some((source) => source.status === 'ready')) return existing.id;
    await api('DELETE', `/v1/chatbots/${existing.id}`);
  }
  const bot = await api<{ id: string }>('POST', '/v1/chatbots', {
    name,
    // Every question in a new conversation: a run of fallbacks must not hand one to a person.
    handoff_settings: { enabled: false },
  });
  const started = performance.now();
  const source = await api<Source>('POST', `/v1/chatbots/${bot.id}/sources`, {
    type: 'website',
    url: `${origin}/index.html`,
    max_pages: 2000,
    max_depth: 20,
  });
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const current = await api<Source>('GET', `/v1/sources/${source.id}`);
    process.stdout.write(
      `\r  ${set.name}: crawling, ${current.pages_processed}/${current.pages_discovered} pages, ${current.chunks} chunks`,
    );
    if (current.status === 'failed') throw new Error(`${set.name}: the crawl failed: ${current.error}`);
    if (current.status === 'ready') break;
  }
  console.log(` in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return bot.id;
}

interface ChatResponse {
  conversation_id: string;
  reply: string;
  grounded: boolean;
  sources_used: { url: string | null }[];
}

async function runSet(
  api: Api,
  db: { query<T>(sql: string, params?: unknown[]): Promise<T[]> },
  set: KnowledgeSet,
  questions: Question[],
  latencies: number[],
): Promise<{ outcomes: Outcome[]; pages: number; chunks: number }> {
  const site = await serveFolder(set.root);
  try {
    const botId = await trainedBot(api, set, site.origin);
    const chunks = await db.query<{ url: string | null; title: string; heading: string; text: string }>(
      `SELECT c.url, c.title, c.heading, c.text FROM chunks c
       JOIN chatbots b ON b.id = c.chatbot_id WHERE b.name = $1 AND b.deleted_at IS NULL ORDER BY c.id`,
      [`Quality: ${set.name}`],
    );
    const baseline = textbookBm25(chunks);
    const known = new Set(chunks.map((chunk) => pageOf(chunk.url)));
    const missing = [...new Set(questions.flatMap((question) => question.pages))].filter(
      (page) => !known.has(page),
    );
    if (missing.length > 0)
      console.log(`  ${set.name}: pages of the questions not in the index: ${missing.join(', ')}`);

    const outcomes: Outcome[] = [];
    for (const question of questions) {
      const answerable = question.pages.length > 0;
      let rank: number | null = null;
      let bm25Rank: number | null = null;
      let searchEmpty: boolean | null = null;
      let top: string[] = [];
      if (!question.history?.length) {
        const started = performance.now();
        const found = await api<{ data: { url: string | null }[] }>('POST', `/v1/chatbots/${botId}/search`, {
          query: question.q,
          top_k: TOP_K,
        });
        latencies.push(performance.now() - started);
        const ranked = pagesInOrder(found.data.map((hit) => pageOf(hit.url)));
        top = ranked.slice(0, 3);
        searchEmpty = ranked.length === 0;
        if (answerable) {
          rank = firstRightRank(ranked, question.pages);
          const theirs = pagesInOrder(baseline(question.q, TOP_K).map((i) => pageOf(chunks[i]!.url)));
          bm25Rank = firstRightRank(theirs, question.pages);
        }
      }
      if (flags['search-only']) {
        if (rank === null) continue;
        outcomes.push({
          id: question.id,
          set: set.name,
          half: question.half,
          style: question.style,
          q: question.q,
          answerable,
          rank,
          bm25Rank,
          searchEmpty,
          top,
          reply: '',
          grounded: false,
          factFound: false,
          cited: [],
        });
        continue;
      }
      let conversation: string | undefined;
      for (const turn of question.history ?? []) {
        const earlier = await api<ChatResponse>('POST', `/v1/chatbots/${botId}/chat`, {
          message: turn,
          ...(conversation ? { conversation_id: conversation } : {}),
        });
        conversation = earlier.conversation_id;
      }
      const chat = await api<ChatResponse>('POST', `/v1/chatbots/${botId}/chat`, {
        message: question.q,
        ...(conversation ? { conversation_id: conversation } : {}),
      });
      const reply = normalise(chat.reply);
      outcomes.push({
        id: question.id,
        set: set.name,
        half: question.half,
        style: question.style,
        q: question.q,
        answerable,
        rank,
        bm25Rank,
        searchEmpty,
        top,
        reply: chat.reply,
        grounded: chat.grounded,
        factFound: chat.grounded && question.facts.some((fact) => reply.includes(normalise(fact))),
        cited: pagesInOrder(chat.sources_used.map((source) => pageOf(source.url))),
      });
    }
    return { outcomes, pages: known.size, chunks: chunks.length };
  } finally {
    await site.close();
  }
}

interface Summary {
  label: string;
  ranked: number;
  parley: ReturnType<typeof rankMetrics>;
  bm25: ReturnType<typeof rankMetrics>;
  answerable: number;
  falseFallbacks: number;
  unanswerable: number;
  fallbacks: number;
  searchEmptyUnanswerable: number;
  facts: number;
}

function summarise(label: string, outcomes: Outcome[]): Summary {
  const ranked = outcomes.filter((o) => o.answerable && o.rank !== null);
  const answerable = outcomes.filter((o) => o.answerable);
  const unanswerable = outcomes.filter((o) => !o.answerable);
  return {
    label,
    ranked: ranked.length,
    parley: rankMetrics(ranked.map((o) => o.rank!)),
    bm25: rankMetrics(ranked.map((o) => o.bm25Rank!)),
    answerable: answerable.length,
    falseFallbacks: answerable.filter((o) => !o.grounded).length,
    unanswerable: unanswerable.length,
    fallbacks: unanswerable.filter((o) => !o.grounded).length,
    searchEmptyUnanswerable: unanswerable.filter((o) => o.searchEmpty).length,
    facts: answerable.filter((o) => o.factFound).length,
  };
}

function printTable(summaries: Summary[]): void {
  const pct = (part: number, whole: number) => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(0)}%`);
  const f = (value: number) => (Number.isNaN(value) ? '—' : value.toFixed(3));
  console.log(
    `  ${'set / half'.padEnd(20)} ${'R@1'.padStart(6)} ${'R@5'.padStart(6)} ${'MRR@10'.padStart(7)} │ ${'BM25 R@5'.padStart(8)} ${'MRR@10'.padStart(7)} │ ${'false fallback'.padStart(16)} ${'fallback on unansw.'.padStart(20)} ${'fact in reply'.padStart(15)}`,
  );
  for (const s of summaries) {
    console.log(
      `  ${s.label.padEnd(20)} ${f(s.parley.recall1).padStart(6)} ${f(s.parley.recall5).padStart(6)} ${f(s.parley.mrr10).padStart(7)} │ ${f(s.bm25.recall5).padStart(8)} ${f(s.bm25.mrr10).padStart(7)} │ ${`${s.falseFallbacks}/${s.answerable} ${pct(s.falseFallbacks, s.answerable)}`.padStart(16)} ${`${s.fallbacks}/${s.unanswerable} ${pct(s.fallbacks, s.unanswerable)}`.padStart(20)} ${`${s.facts}/${s.answerable} ${pct(s.facts, s.answerable)}`.padStart(15)}`,
    );
  }
}

async function main(): Promise<void> {
  const chosen = flags.sets ? SETS.filter((set) => flags.sets!.split(',').includes(set.name)) : SETS;
  const available = chosen.filter((set) => {
    if (existsSync(path.join(set.root, 'index.html'))) return true;
    console.log(
      `Skipping ${set.name}: not installed (apt-get install -y ${set.debian}; looked in ${set.root}).`,
    );
    return false;
  });
  const keepDir = flags['data-dir'] ? path.resolve(flags['data-dir']) : null;
  const dataDir = keepDir ?? mkdtempSync(path.join(tmpdir(), 'parley-bench-quality-'));
  const database = USE_PG ? `parley_bench_quality_${process.pid}` : null;
  const admin = USE_PG ? new pg.Client({ connectionString: ADMIN_URL }) : null;
  let databaseUrl = '';
  if (admin && database) {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
  }
  const config = loadConfig({
    PORT: '0',
    PARLEY_DATA_DIR: dataDir,
    PARLEY_SECRET_KEY: 'bench-secret-key-not-for-production',
    PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
    PARLEY_DEMO: 'false',
    PARLEY_PLANS: '{"enterprise":{"requests_per_minute":100000000}}',
    LOG_LEVEL: 'warn',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  // The server's start banner (with its keys) is not part of the report.
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const server = await startServer(config, createLogger('warn'), { workers: true }).finally(() => {
    process.stdout.write = write;
  });
  const { context } = server;
  const [workspace] = await context.db.query<{ id: string }>(
    'SELECT id FROM workspaces WHERE is_default LIMIT 1',
  );
  const key = await context.apiKeys.create(workspace!.id, 'live', `quality bench ${process.pid}`);
  const api = apiClient(server.url, key.secret);
  const outcomes: Outcome[] = [];
  const latencies: number[] = [];
  const described: string[] = [];
  try {
    for (const set of available) {
      const questions = loadQuestions(set.name);
      const result = await runSet(api, context.db, set, questions, latencies);
      outcomes.push(...result.outcomes);
      described.push(
        `  ${set.name}: ${set.title}; ${result.pages} pages, ${result.chunks} chunks; ${questions.length} questions (${questions.filter((q) => q.pages.length === 0).length} unanswerable)`,
      );
    }
  } finally {
    await context.apiKeys.revoke({ workspaceId: workspace!.id }, key.row.id).catch(() => {});
    await server.stop();
    if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
    if (admin && database) {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  }

  if (flags.verbose) {
    for (const o of outcomes) {
      const mark = o.answerable
        ? o.grounded
          ? o.factFound
            ? 'FACT'
            : 'said'
          : 'FALLBACK'
        : o.grounded
          ? 'ANSWERED'
          : 'ok';
      console.log(
        `${o.id.padEnd(10)} ${o.half} ${String(o.rank ?? '-').padStart(3)} ${String(o.bm25Rank ?? '-').padStart(3)} ${mark.padEnd(8)} ${o.style.padEnd(12)} ${o.q}  → ${o.top.join(' ')}\n${''.padEnd(30)}${o.reply.replace(/\s+/g, ' ').slice(0, 200)}`,
      );
    }
  }
  if (flags.out) writeFileSync(flags.out, JSON.stringify(outcomes, null, 2));

  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: HERE, encoding: 'utf8' }).trim();
  } catch {}
  console.log(
    `\nAnswer quality (${USE_PG ? 'PostgreSQL' : 'PGlite'}), ${new Date().toISOString()}, commit ${commit || '?'}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  );
  for (const line of described) console.log(line);
  const summaries: Summary[] = [];
  for (const set of available) {
    for (const half of ['A', 'B'] as const) {
      summaries.push(
        summarise(
          `${set.name} ${half}`,
          outcomes.filter((o) => o.set === set.name && o.half === half),
        ),
      );
    }
  }
  for (const half of ['A', 'B'] as const) {
    summaries.push(
      summarise(
        `all ${half}`,
        outcomes.filter((o) => o.half === half),
      ),
    );
  }
  printTable(summaries);
  console.log(
    '  (half A is the tuning half; B is never looked at while tuning. Ranks: questions without history; chat: all.)',
  );
  latencies.sort((a, b) => a - b);
  console.log(
    `  search over HTTP: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms (${latencies.length} searches, top ${TOP_K})`,
  );
}

await main();

// Retrieval quality: the question set of bench/retrieval-questions.json over the PostgreSQL 15
// manual (Debian's postgresql-doc-15), Parley's retrieval against a plain BM25 baseline
// (wink-bm25-text-search with wink-nlp-utils stemming) over the same chunks, in the same run.
//
//   node bench/retrieval.ts                  # embedded PGlite in a temporary data directory
//   node bench/retrieval.ts --pg             # PostgreSQL: BENCH_DATABASE_URL, or the local server
//   node bench/retrieval.ts --data-dir DIR   # PGlite in DIR, kept; a manual ingested there is reused
//   node bench/retrieval.ts --verbose        # every question with the rank of its first right page
//   node bench/retrieval.ts --scale 9        # also latency on a bot holding the manual's chunks 9 times
//   PARLEY_EMBEDDING_MODEL_DIR=DIR node bench/retrieval.ts   # with a local embedding model (its
//       latency; a model written by bench/local-embedding.ts is random, so not its quality)
//
// The manual is served on localhost and crawled as a `website` source by the product's own
// ingestion (in this process, job workers on), so the chunks are the product's real chunks.
// Prints page-level recall@1, recall@5 and MRR@10, the fallback behaviour (questions the manual
// does not answer should get no results, the others should get some) and search latency.
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
// @ts-expect-error: the package ships no types
import bm25 from 'wink-bm25-text-search';
// @ts-expect-error: the package ships no types
import nlp from 'wink-nlp-utils';
import { loadConfig } from '../packages/server/src/config.ts';
import { createLogger } from '../packages/server/src/lib/logger.ts';
import type { ChatbotRow } from '../packages/server/src/modules/chatbots/chatbot-schemas.ts';
import { createContext } from '../packages/server/src/runtime/context.ts';
import { jobHandlers } from '../packages/server/src/runtime/job-handlers.ts';

const MANUAL = '/usr/share/doc/postgresql-doc-15/html';
const { values: flags } = parseArgs({
  options: {
    pg: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    scale: { type: 'string', default: '0' },
  },
});
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USE_PG = flags.pg || Boolean(process.env.BENCH_DATABASE_URL);
const BOT_NAME = 'PostgreSQL manual';

interface Question {
  style: string;
  q: string;
  /** Manual pages (file names) that answer it; empty when the manual does not. */
  pages: string[];
}

if (!existsSync(path.join(MANUAL, 'index.html'))) {
  console.log(
    `The PostgreSQL manual is not installed: apt-get install -y postgresql-doc-15 (looked in ${MANUAL}).`,
  );
  process.exit(0);
}

/** Serves the manual's files as a web site would. */
async function serveManual(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const urlPath = decodeURIComponent((request.url ?? '/').split('?')[0]!);
    const file = path.join(MANUAL, path.normalize(urlPath === '/' ? '/index.html' : urlPath));
    if (!file.startsWith(MANUAL) || !existsSync(file) || !statSync(file).isFile()) {
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The manual page a chunk comes from: its URL's file name. */
function pageOf(url: string | null): string {
  return (url ?? '').split('/').pop()!.split('#')[0]!;
}

function pagesInOrder(urls: (string | null)[]): string[] {
  const pages: string[] = [];
  for (const url of urls) {
    const page = pageOf(url);
    if (!pages.includes(page)) pages.push(page);
  }
  return pages;
}

interface Metrics {
  recall1: number;
  recall5: number;
  mrr10: number;
  /** Unanswerable questions with no results. */
  fallbacks: number;
  /** Answerable questions with results. */
  answered: number;
  byStyle: Map<string, number>;
  ranks: number[];
}

function measure(questions: Question[], results: string[][]): Metrics {
  let recall1 = 0;
  let recall5 = 0;
  let mrr10 = 0;
  let fallbacks = 0;
  let answered = 0;
  const styles = new Map<string, number[]>();
  const ranks: number[] = [];
  questions.forEach((question, i) => {
    const pages = results[i]!;
    if (question.pages.length === 0) {
      if (pages.length === 0) fallbacks += 1;
      ranks.push(-1);
      return;
    }
    if (pages.length > 0) answered += 1;
    const rank = pages.findIndex((page) => question.pages.includes(page));
    ranks.push(rank);
    if (rank === 0) recall1 += 1;
    if (rank >= 0 && rank < 5) recall5 += 1;
    const reciprocal = rank >= 0 && rank < 10 ? 1 / (rank + 1) : 0;
    mrr10 += reciprocal;
    styles.set(question.style, [...(styles.get(question.style) ?? []), reciprocal]);
  });
  const answerable = questions.filter((question) => question.pages.length > 0).length;
  return {
    recall1: recall1 / answerable,
    recall5: recall5 / answerable,
    mrr10: mrr10 / answerable,
    fallbacks,
    answered,
    byStyle: new Map(
      [...styles].map(([style, values]) => [style, values.reduce((a, b) => a + b, 0) / values.length]),
    ),
    ranks,
  };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/**
 * On the embedded database the whole search runs in this process, so its CPU time per search is
 * the work done, which a busy machine inflates less than the wall time.
 */
function cpuNote(sortedCpu: number[]): string {
  if (USE_PG) return '';
  return `; CPU per search p50 ${percentile(sortedCpu, 0.5).toFixed(1)} ms, p99 ${percentile(sortedCpu, 0.99).toFixed(1)} ms`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/**
 * Latency on a large bot: one holding the manual's chunks `copies` times (inserted through the
 * same triggers that index ingested chunks), searched with the bot's default top_k as the chat
 * does. Postings are vacuumed and analysed first, the steady state that autovacuum (PostgreSQL)
 * or the retrieval service itself (PGlite) reaches after a change.
 */
async function scaledLatency(
  context: Awaited<ReturnType<typeof createContext>>,
  scope: { workspaceId: string; environment: 'live' },
  bot: ChatbotRow,
  copies: number,
  questions: Question[],
): Promise<void> {
  const name = `${BOT_NAME} x${copies}`;
  const [existing] = await context.db.query<{ id: string }>(
    'SELECT id FROM chatbots WHERE name = $1 AND workspace_id = $2 AND deleted_at IS NULL',
    [name, scope.workspaceId],
  );
  const big = existing
    ? await context.chatbots.get(scope, existing.id)
    : await context.chatbots.create(scope, { name });
  if (!existing) {
    const started = performance.now();
    for (let copy = 1; copy <= copies; copy++) {
      await context.db.query(
        `INSERT INTO chunks (id, workspace_id, environment, chatbot_id, source_id, document_id, position,
           title, heading, url, text, tokens, page, question, search)
         SELECT gen_random_uuid(), workspace_id, environment, $2, source_id, document_id, position,
           title, heading, url, text, tokens, page, question, search
         FROM chunks WHERE chatbot_id = $1`,
        [bot.id, big.id],
      );
      process.stdout.write(`\r  copying the manual: ${copy}/${copies}`);
    }
    console.log(` in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  await context.db.exec('VACUUM (ANALYZE) retrieval_postings, retrieval_terms');
  const [{ chunks } = { chunks: 0 }] = await context.db.query<{ chunks: number }>(
    'SELECT chunks FROM retrieval_corpus WHERE chatbot_id = $1',
    [big.id],
  );
  for (const question of questions) await context.retrieval.search(scope, big, question.q);
  const latencies: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const question of questions) {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      await context.retrieval.search(scope, big, question.q);
      cpu.push(cpuMs(cpuBefore));
      latencies.push(performance.now() - started);
    }
  }
  latencies.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(
    `  latency at ${chunks} chunks  p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms (${latencies.length} searches, top ${big.retrievalSettings.top_k}, in process)${cpuNote(cpu)}`,
  );
}

async function main(): Promise<void> {
  const questions = (
    JSON.parse(readFileSync(path.join(import.meta.dirname, 'retrieval-questions.json'), 'utf8')) as {
      questions: Question[];
    }
  ).questions;
  const keepDir = flags['data-dir'] ? path.resolve(flags['data-dir']) : null;
  const dataDir = keepDir ?? mkdtempSync(path.join(tmpdir(), 'parley-bench-retrieval-'));
  const database = USE_PG ? `parley_bench_retrieval_${process.pid}` : null;
  const admin = USE_PG ? new pg.Client({ connectionString: ADMIN_URL }) : null;
  let databaseUrl = '';
  if (admin && database) {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
  }
  const site = await serveManual();
  const config = loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_SECRET_KEY: 'bench-secret-key-not-for-production',
    PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
    LOG_LEVEL: 'warn',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    // A local embedding model's cost on search (bench/local-embedding.ts --write-model DIR).
    ...(process.env.PARLEY_EMBEDDING_MODEL_DIR
      ? { PARLEY_EMBEDDING_MODEL_DIR: process.env.PARLEY_EMBEDDING_MODEL_DIR }
      : {}),
  });
  const context = await createContext(config, createLogger('warn'));
  try {
    await context.queue.startWorkers(jobHandlers(context));
    const [existing] = await context.db.query<{ id: string; workspace_id: string }>(
      `SELECT id, workspace_id FROM chatbots WHERE name = $1 AND environment = 'live' AND deleted_at IS NULL`,
      [BOT_NAME],
    );
    let scope: { workspaceId: string; environment: 'live' };
    let bot: ChatbotRow;
    if (existing) {
      scope = { workspaceId: existing.workspace_id, environment: 'live' };
      bot = await context.chatbots.get(scope, existing.id);
      console.log(`Reusing the manual ingested in ${dataDir}.`);
    } else {
      const workspace = await context.workspaces.create({ name: 'Retrieval bench', plan: 'enterprise' });
      scope = { workspaceId: workspace.id, environment: 'live' };
      bot = await context.chatbots.create(scope, { name: BOT_NAME });
      const started = performance.now();
      const source = await context.sources.create(
        scope,
        bot.id,
        { type: 'website', url: `${site.origin}/index.html`, max_pages: 2000, max_depth: 20 },
        null,
      );
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const current = await context.sources.get(scope, source.id);
        process.stdout.write(
          `\r  ingesting: ${current.pagesProcessed}/${current.pagesDiscovered} pages, ${current.chunkCount} chunks`,
        );
        if (current.status === 'ready' || current.status === 'failed') break;
      }
      console.log(`\n  ingested in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }

    const chunks = await context.db.query<{
      id: string;
      url: string | null;
      title: string;
      heading: string;
      text: string;
    }>('SELECT id, url, title, heading, text FROM chunks WHERE chatbot_id = $1 ORDER BY id', [bot.id]);
    const pages = new Set(chunks.map((chunk) => pageOf(chunk.url)));

    // The baseline: BM25 over the same chunks (title, heading path and text, as Parley indexes
    // them), lower-cased, tokenised, stop words removed, Porter-stemmed.
    const engine = bm25();
    engine.defineConfig({ fldWeights: { body: 1 } });
    engine.definePrepTasks([
      nlp.string.lowerCase,
      nlp.string.tokenize0,
      nlp.tokens.removeWords,
      nlp.tokens.stem,
    ]);
    chunks.forEach((chunk, i) => {
      engine.addDoc({ body: `${chunk.title}\n${chunk.heading}\n${chunk.text}` }, i);
    });
    engine.consolidate();
    const baseline = questions.map((question) =>
      pagesInOrder((engine.search(question.q, 50) as [number, number][]).map(([i]) => chunks[i]!.url)),
    );

    // Parley: the same search the chat and POST /v1/chatbots/{id}/search use, with the bot's
    // default min_relevance, 50 results. A warm-up round first, then the measured one.
    const search = (q: string) => context.retrieval.search(scope, bot, q, { topK: 50 });
    for (const question of questions) await search(question.q);
    const latencies: number[] = [];
    const cpu: number[] = [];
    const parley: string[][] = [];
    for (const question of questions) {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const results = await search(question.q);
      cpu.push(cpuMs(cpuBefore));
      latencies.push(performance.now() - started);
      parley.push(pagesInOrder(results.map((result) => result.url)));
    }
    latencies.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);

    const ours = measure(questions, parley);
    const theirs = measure(questions, baseline);
    const answerable = questions.filter((question) => question.pages.length > 0).length;
    const unanswerable = questions.length - answerable;
    if (flags.verbose) {
      questions.forEach((question, i) => {
        console.log(
          `${String(ours.ranks[i]).padStart(3)} ${String(theirs.ranks[i]).padStart(3)}  ${question.style.padEnd(12)} ${question.q}  → ${parley[i]!.slice(0, 3).join(' ')}`,
        );
      });
    }
    const missing = [...new Set(questions.flatMap((question) => question.pages))].filter(
      (page) => !pages.has(page),
    );
    console.log(
      `\nretrieval (${USE_PG ? 'PostgreSQL' : 'PGlite'}): the PostgreSQL 15 manual, ${pages.size} pages, ${chunks.length} chunks; ${answerable} questions it answers, ${unanswerable} it does not`,
    );
    if (missing.length > 0)
      console.log(`  pages of the question set not in the index: ${missing.join(', ')}`);
    const row = (name: string, m: Metrics) =>
      `  ${name.padEnd(22)} ${m.recall1.toFixed(3).padStart(8)} ${m.recall5.toFixed(3).padStart(8)} ${m.mrr10.toFixed(3).padStart(8)}   ${`${m.fallbacks}/${unanswerable}`.padStart(8)} ${`${m.answered}/${answerable}`.padStart(9)}`;
    console.log(
      `  ${''.padEnd(22)} ${'R@1'.padStart(8)} ${'R@5'.padStart(8)} ${'MRR@10'.padStart(8)}   ${'fallback'.padStart(8)} ${'answered'.padStart(9)}`,
    );
    console.log(row('Parley', ours));
    console.log(row('BM25 baseline (wink)', theirs));
    console.log(
      `  MRR@10 by style        ${[...ours.byStyle.keys()].map((style) => `${style} ${ours.byStyle.get(style)!.toFixed(2)} / ${theirs.byStyle.get(style)!.toFixed(2)}`).join(', ')}  (Parley / baseline)`,
    );
    console.log(
      `  search latency         p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms (${latencies.length} questions, top 50, in process)${cpuNote(cpu)}`,
    );
    const scale = Number(flags.scale);
    if (scale > 1) await scaledLatency(context, scope, bot, scale, questions);
  } finally {
    await context.close();
    await site.close();
    if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
    if (admin && database) {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  }
}

await main();

// Ingestion: crawl the PostgreSQL 15 manual (~1,170 HTML pages, Debian's postgresql-doc-15)
// served on localhost, as a `website` source from index.html, through a real `parley serve`.
//
//   node bench/ingest.ts            # embedded PGlite in a temporary data directory
//   node bench/ingest.ts --pg       # PostgreSQL: BENCH_DATABASE_URL, or the local server
//
// Prints pages/s, chunks, total seconds and the server's peak RSS. Goal: under 60 s on 2 cores.
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type ParleyProcess, startParley as startParleyProcess } from './lib/parley-process.ts';

const MANUAL = '/usr/share/doc/postgresql-doc-15/html';
const { values: flags } = parseArgs({ options: { pg: { type: 'boolean', default: false } } });
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USE_PG = flags.pg || Boolean(process.env.BENCH_DATABASE_URL);

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
    const type = file.endsWith('.html')
      ? 'text/html; charset=utf-8'
      : file.endsWith('.css')
        ? 'text/css'
        : 'application/octet-stream';
    response.writeHead(200, { 'content-type': type });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function startParley(env: Record<string, string>): Promise<ParleyProcess> {
  return startParleyProcess({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true', ...env });
}

function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

async function api(base: string, key: string, urlPath: string, body?: unknown) {
  const response = await fetch(`${base}${urlPath}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json() as Promise<Record<string, unknown>>;
}

async function main(): Promise<void> {
  const site = await serveManual();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-ingest-'));
  const database = USE_PG ? `parley_bench_ingest_${process.pid}` : null;
  const admin = USE_PG ? new pg.Client({ connectionString: ADMIN_URL }) : null;
  if (admin && database) {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
  }
  const env: Record<string, string> = { PARLEY_DATA_DIR: dataDir, PARLEY_DEMO: 'false' };
  if (database) {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    env.DATABASE_URL = url.toString();
  }
  const parley = await startParley(env);
  try {
    const bot = await api(parley.url, parley.key, '/v1/chatbots', { name: 'PostgreSQL manual' });
    const started = performance.now();
    const source = await api(parley.url, parley.key, `/v1/chatbots/${bot.id}/sources`, {
      type: 'website',
      url: `${site.origin}/index.html`,
      max_pages: 2000,
      max_depth: 20,
    });
    let current = source;
    let lastLine = '';
    while (current.status !== 'ready' && current.status !== 'failed') {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      current = await api(parley.url, parley.key, `/v1/sources/${source.id}`);
      const line = `  ${current.status}: ${current.pages_processed}/${current.pages_discovered} pages, ${current.chunks} chunks, RSS ${rssMb(parley.child.pid!).rss.toFixed(0)} MB`;
      if (line !== lastLine) console.log(line);
      lastLine = line;
    }
    const seconds = (performance.now() - started) / 1000;
    const memory = rssMb(parley.child.pid!);
    const pages = Number(current.pages_processed);
    console.log(
      `\ningest (${USE_PG ? 'PostgreSQL' : 'PGlite'}): the PostgreSQL 15 manual as a website source`,
    );
    console.log(`  status           ${current.status}${current.error ? ` (${current.error})` : ''}`);
    console.log(`  pages            ${pages} processed, ${current.pages_failed} failed`);
    console.log(
      `  chunks           ${current.chunks} (${Number(current.chars).toLocaleString('en')} characters)`,
    );
    console.log(`  total            ${seconds.toFixed(1)} s`);
    console.log(`  pages/s          ${(pages / seconds).toFixed(1)}`);
    console.log(`  server peak RSS  ${memory.peak.toFixed(0)} MB`);
    if (Number(current.pages_failed) > 0) {
      const docs = await api(parley.url, parley.key, `/v1/sources/${source.id}/documents?page_size=100`);
      let page = docs;
      const failed: string[] = [];
      for (;;) {
        for (const doc of page.data as { status: string; url: string; error: string }[]) {
          if (doc.status === 'failed') failed.push(`${doc.url}: ${doc.error}`);
        }
        if (!page.has_more) break;
        page = await api(
          parley.url,
          parley.key,
          `/v1/sources/${source.id}/documents?page_size=100&cursor=${page.next_cursor}`,
        );
      }
      console.log(`  failed pages     ${failed.slice(0, 5).join('\n                   ')}`);
    }
  } finally {
    parley.child.kill('SIGTERM');
    await new Promise((resolve) => parley.child.once('exit', resolve));
    await site.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (admin && database) {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  }
}

await main();

// What the exports cost: GET /v1/conversations/export (NDJSON and CSV), GET /v1/leads/export and
// GET /v1/chatbots/{id}/knowledge/export, each read whole over HTTP from one `parley serve`, with
// rows per second, bytes, time to the first byte and the server's peak memory. bench/README.md
// ("Exports") has the figures.
//
//   node bench/exports.ts                                   # embedded PGlite, temporary data directory
//   node bench/exports.ts --pg                              # PostgreSQL: BENCH_DATABASE_URL, or the local server
//   node bench/exports.ts --conversations 2000 --leads 10000 --sources 40
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchDatabase, startParley, stopParley } from './lib/parley-process.ts';

const { values: flags } = parseArgs({
  options: {
    pg: { type: 'boolean', default: false },
    conversations: { type: 'string', default: '2000' },
    leads: { type: 'string', default: '10000' },
    sources: { type: 'string', default: '40' },
  },
});
const CONVERSATIONS = Number(flags.conversations);
const LEADS = Number(flags.leads);
const SOURCES = Number(flags.sources);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `work` for 0..count-1, `width` at a time. */
async function inParallel(count: number, width: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** The server process's resident memory now (VmRSS) or at its peak so far (VmHWM), in MB (Linux). */
function rssMb(pid: number, which: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${which}:\\s+(\\d+) kB`, 'm'));
  return line ? Math.round(Number(line[1]) / 1024) : Number.NaN;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-exports-'));
  const database = await benchDatabase(flags.pg, ADMIN_URL, `parley_bench_exports_${process.pid}`);
  const parley = await startParley({
    PARLEY_DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL: '',
    PARLEY_PLANS: '{"enterprise":{"requests_per_minute":1000000000,"messages_per_month":1000000000}}',
  });
  const api = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${parley.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${parley.key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status >= 300)
      throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  try {
    await api('PATCH', '/v1/workspace', { plan: 'enterprise' }).catch(() => {});
    const bot = (await api('POST', '/v1/chatbots', { name: 'Export bench' })).id as string;
    const started = performance.now();
    const paragraph = (i: number, j: number) =>
      `## Topic ${i}.${j}\n\nOrders of kind ${i}-${j} ship within ${(j % 5) + 2} days to every country we serve; a tracking number is emailed when the parcel leaves, and returns are free for thirty days. `.repeat(
        3,
      );
    await inParallel(SOURCES, 4, async (i) => {
      const content = Array.from({ length: 40 }, (_, j) => paragraph(i, j)).join('\n\n');
      await api('POST', `/v1/chatbots/${bot}/sources`, {
        type: 'text',
        title: `Handbook part ${i}`,
        content,
      });
    });
    await inParallel(CONVERSATIONS, 8, async (i) => {
      await api('POST', `/v1/chatbots/${bot}/chat`, { message: `Where is my order number ${i}?` });
    });
    await inParallel(LEADS, 8, async (i) => {
      await api('POST', `/v1/chatbots/${bot}/leads`, {
        email: `visitor${i}@example.com`,
        name: `Visitor ${i}`,
        fields: { plan: i % 2 ? 'pro' : 'free' },
      });
    });
    // The sources are processed in the background: wait until every one is ready.
    for (;;) {
      const listed = (await api('GET', `/v1/chatbots/${bot}/sources?page_size=100`)).data as {
        status: string;
      }[];
      if (listed.every((source) => source.status === 'ready' || source.status === 'failed')) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const seeded = Math.round((performance.now() - started) / 1000);
    console.log(
      `Exports (${flags.pg ? 'PostgreSQL' : 'PGlite'}), ${new Date().toISOString()}, Node ${process.version}: ` +
        `${CONVERSATIONS} conversations (2 messages each), ${LEADS} leads, ${SOURCES} text sources; seeded in ${seeded} s`,
    );
    console.log(`server RSS before the exports: ${rssMb(parley.child.pid!, 'VmRSS')} MB`);
    console.log('| export | rows | MB | first byte | total | rows/s | server RSS after |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    const cases = [
      { name: 'conversations NDJSON', url: '/v1/conversations/export', rows: (text: string) => lines(text) },
      {
        name: 'conversations CSV',
        url: '/v1/conversations/export?format=csv',
        rows: (text: string) => lines(text) - 1,
      },
      { name: 'leads NDJSON', url: '/v1/leads/export', rows: (text: string) => lines(text) },
      { name: 'leads CSV', url: '/v1/leads/export?format=csv', rows: (text: string) => lines(text) - 1 },
      {
        name: 'knowledge NDJSON',
        url: `/v1/chatbots/${bot}/knowledge/export`,
        rows: (text: string) => lines(text),
      },
    ];
    for (const each of cases) {
      const begin = performance.now();
      const response = await fetch(`${parley.url}${each.url}`, {
        headers: { authorization: `Bearer ${parley.key}` },
      });
      const reader = response.body!.getReader();
      let firstByte = 0;
      const parts: Buffer[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!firstByte) firstByte = performance.now() - begin;
        parts.push(Buffer.from(value));
      }
      const total = performance.now() - begin;
      const body = Buffer.concat(parts);
      const rows = each.rows(body.toString('utf8'));
      console.log(
        `| ${each.name} | ${rows.toLocaleString('en')} | ${(body.length / 1e6).toFixed(1)} | ${Math.round(firstByte)} ms | ${(total / 1000).toFixed(2)} s | ${Math.round(rows / (total / 1000)).toLocaleString('en')} | ${rssMb(parley.child.pid!, 'VmRSS')} MB |`,
      );
    }
    console.log(`server peak RSS: ${rssMb(parley.child.pid!, 'VmHWM')} MB`);
  } finally {
    await stopParley(parley);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function lines(text: string): number {
  let count = 0;
  for (const line of text.split('\n')) if (line !== '') count++;
  return count;
}

await main();

// Webhook delivery: 10,000 events (leads captured through the API, each a `lead.captured` event)
// delivered by a real `parley serve` to a receiver on localhost that fails 30% of first attempts
// at random (HTTP 500). Measures deliveries/s, the time until every event is delivered, the
// delay from an event's commit to its delivery, duplicates and losses (which must be 0).
//
//   node bench/webhooks.ts                   # embedded PGlite in a temporary data directory
//   node bench/webhooks.ts --pg              # PostgreSQL: BENCH_DATABASE_URL, or the local server
//   node bench/webhooks.ts --events 2000 --fail 0.3 --delays 5,300
//
// It stops by itself (at most --timeout seconds of waiting, default 600), stops the server and
// removes the temporary directory and database, even when it fails.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  benchDatabase,
  type ParleyProcess,
  startParley as startParleyProcess,
  stopParley,
} from './lib/parley-process.ts';

const { values: flags } = parseArgs({
  options: {
    pg: { type: 'boolean', default: false },
    events: { type: 'string', default: '10000' },
    fail: { type: 'string', default: '0.3' },
    delays: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    timeout: { type: 'string', default: '600' },
  },
});
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USE_PG = flags.pg || Boolean(process.env.BENCH_DATABASE_URL);
const EVENTS = Number(flags.events);
const FAIL_RATE = Number(flags.fail);
const CONCURRENCY = Number(flags.concurrency);

interface Receipt {
  /** Requests for this webhook-id, and how many were answered 2xx. */
  requests: number;
  successes: number;
  firstSuccessAt: number | null;
  leadId: string;
  bodies: Set<string>;
}

/** The receiver: 30% of first attempts (per webhook-id) answer 500, everything else 200. */
async function startReceiver() {
  const receipts = new Map<string, Receipt>();
  let requests = 0;
  let lastSuccessAt = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests += 1;
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(request.headers['webhook-id']);
      let receipt = receipts.get(id);
      if (!receipt) {
        receipt = {
          requests: 0,
          successes: 0,
          firstSuccessAt: null,
          leadId: (JSON.parse(body) as { data: { id: string } }).data.id,
          bodies: new Set(),
        };
        receipts.set(id, receipt);
      }
      receipt.requests += 1;
      receipt.bodies.add(body);
      if (receipt.requests === 1 && Math.random() < FAIL_RATE) {
        response.writeHead(500).end('first attempt fails');
        return;
      }
      receipt.successes += 1;
      const now = performance.now();
      receipt.firstSuccessAt ??= now;
      lastSuccessAt = now;
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    receipts,
    stats: () => ({ requests, lastSuccessAt }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function startParley(env: Record<string, string>): Promise<ParleyProcess> {
  return startParleyProcess({
    PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
    // The default workspace is on the enterprise plan: lift its limit so that no capture is refused.
    PARLEY_PLANS: '{"enterprise":{"requests_per_minute":1000000000}}',
    ...env,
  });
}

async function post(base: string, key: string, urlPath: string, body: unknown) {
  const response = await fetch(`${base}${urlPath}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) throw new Error(`POST ${urlPath}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** What the failed attempts said, as the deliveries API shows them: error → count. */
async function attemptErrors(base: string, key: string, webhookId: string): Promise<Map<string, number>> {
  const errors = new Map<string, number>();
  let cursor = '';
  for (;;) {
    const response = await fetch(`${base}/v1/webhooks/${webhookId}/deliveries?page_size=100${cursor}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const page = (await response.json()) as {
      data: { attempts: { error: string | null }[] }[];
      has_more: boolean;
      next_cursor: string;
    };
    for (const delivery of page.data) {
      for (const attempt of delivery.attempts) {
        if (attempt.error) errors.set(attempt.error, (errors.get(attempt.error) ?? 0) + 1);
      }
    }
    if (!page.has_more) return errors;
    cursor = `&cursor=${page.next_cursor}`;
  }
}

function describeErrors(errors: Map<string, number>): string {
  if (errors.size === 0) return 'none';
  return [...errors]
    .sort((a, b) => b[1] - a[1])
    .map(([error, count]) => `${count} × ${error}`)
    .join('\n                       ');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const receiver = await startReceiver();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-webhooks-'));
  const database = await benchDatabase(USE_PG, ADMIN_URL, `parley_bench_webhooks_${process.pid}`);
  const env: Record<string, string> = { PARLEY_DATA_DIR: dataDir, DATABASE_URL: database.url };
  if (flags.delays) env.PARLEY_WEBHOOK_RETRY_DELAYS = flags.delays;
  let parley: Awaited<ReturnType<typeof startParley>> | null = null;
  try {
    parley = await startParley(env);
    const { url, key } = parley;
    const webhook = await post(url, key, '/v1/webhooks', { url: receiver.url, events: ['lead.captured'] });
    const bot = await post(url, key, '/v1/chatbots', { name: 'Webhook bench' });

    // Produce the events: leads captured by CONCURRENCY clients at once.
    const committedAt = new Map<string, number>();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < EVENTS) {
          const i = next++;
          const lead = await post(url, key, `/v1/chatbots/${bot.id}/leads`, {
            email: `bench${i}@example.com`,
          });
          committedAt.set(lead.id as string, performance.now());
        }
      }),
    );
    const produced = performance.now();
    console.log(`  ${EVENTS} events committed in ${((produced - started) / 1000).toFixed(1)} s`);

    // Wait until every event was answered 2xx once, or the timeout.
    const deadline = produced + Number(flags.timeout) * 1000;
    const delivered = () => [...receiver.receipts.values()].filter((r) => r.successes > 0).length;
    let lastLine = '';
    while (delivered() < EVENTS && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const line = `  delivered ${delivered()}/${EVENTS}, ${receiver.stats().requests} requests`;
      if (line !== lastLine) console.log(line);
      lastLine = line;
    }
    // Late duplicates (a retry already in flight) still count: give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const receipts = [...receiver.receipts.values()];
    const deliveredLeads = new Set(receipts.filter((r) => r.successes > 0).map((r) => r.leadId));
    const losses = [...committedAt.keys()].filter((id) => !deliveredLeads.has(id)).length;
    const duplicates = receipts.reduce((sum, r) => sum + Math.max(0, r.successes - 1), 0);
    const changedBodies = receipts.filter((r) => r.bodies.size > 1).length;
    const firstFailed = receipts.filter((r) => r.requests > 1 || r.successes === 0).length;
    const lags = receipts
      .filter((r) => r.firstSuccessAt !== null)
      .map((r) => r.firstSuccessAt! - (committedAt.get(r.leadId) ?? Number.NaN))
      .filter((lag) => Number.isFinite(lag))
      .sort((a, b) => a - b);
    const total = (receiver.stats().lastSuccessAt - started) / 1000;
    console.log(
      `\nwebhooks (${USE_PG ? 'PostgreSQL' : 'PGlite'}): ${EVENTS} lead.captured events, ${(FAIL_RATE * 100).toFixed(0)}% of first attempts fail`,
    );
    console.log(
      `  events committed     ${((produced - started) / 1000).toFixed(1)} s (${(EVENTS / ((produced - started) / 1000)).toFixed(0)}/s through the API)`,
    );
    console.log(`  all delivered after  ${total.toFixed(1)} s from the first event`);
    console.log(
      `  deliveries/s         ${(deliveredLeads.size / total).toFixed(0)} (successful deliveries over that time)`,
    );
    console.log(`  requests             ${receiver.stats().requests} (${firstFailed} events needed a retry)`);
    console.log(
      `  commit → delivered   p50 ${(percentile(lags, 50) / 1000).toFixed(2)} s, p95 ${(percentile(lags, 95) / 1000).toFixed(2)} s, max ${(percentile(lags, 100) / 1000).toFixed(2)} s`,
    );
    console.log(`  duplicates           ${duplicates} (events answered 2xx more than once)`);
    console.log(`  changed bodies       ${changedBodies} (must be 0: a retry sends the same body)`);
    console.log(`  losses               ${losses} (must be 0)`);
    console.log(
      `  failed attempts      ${describeErrors(await attemptErrors(url, key, webhook.id as string))}`,
    );
    if (losses > 0 || changedBodies > 0) process.exitCode = 1;
  } finally {
    await stopParley(parley);
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  }
}

await main();

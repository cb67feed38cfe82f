// Channel speed: what Parley adds between a platform's inbound message and the reply it sends back,
// on one custom channel (Standard Webhooks in and out), over an AI provider that answers at once.
// A real `parley serve` (child process) holds a chatbot with one page of knowledge and an
// OpenAI-compatible integration on a fake provider in this process (instant replies and
// embeddings); a local peer in this process signs the inbound messages like a platform and
// records when each signed reply arrives. Measures:
//   - latency: messages sent one at a time, each in a thread of its own; from the inbound POST
//     to the reply's arrival at the peer (p50, p99), and how long the POST took to be acknowledged;
//   - an agent's reply: posted through the API into --agent of those threads' conversations, one at
//     a time; from the POST to its arrival at the peer (p50, p99);
//   - throughput: --messages sent by --concurrency senders at once; messages/s is answered
//     replies over the time from the first POST to the last reply (one channel's work runs as
//     one job at a time, so this is what one node does for one channel).
// bench/README.md ("Channels") has the figures.
//
//   node bench/channels.ts                    # embedded PGlite, in a temporary data directory
//   node bench/channels.ts --pg               # PostgreSQL (BENCH_DATABASE_URL, or the local server)
//                                             # and Redis (BENCH_REDIS_URL, or the local server)
//   node bench/channels.ts --sequential 100 --messages 500 --concurrency 16
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { startFakeOpenAI } from '../packages/server/test/fakes/fake-openai.ts';
import { percentiles } from './lib/machine.ts';
import {
  benchDatabase,
  type ParleyProcess,
  startParley as startParleyProcess,
  stopParley,
} from './lib/parley-process.ts';

const { values: flags } = parseArgs({
  options: {
    pg: { type: 'boolean', default: false },
    sequential: { type: 'string', default: '200' },
    agent: { type: 'string', default: '50' },
    messages: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    timeout: { type: 'string', default: '600' },
  },
});
const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USE_PG = flags.pg || Boolean(process.env.BENCH_DATABASE_URL);
/** With PostgreSQL, Redis too: the scale-out setup, rate-limit counters included. */
const REDIS_URL = USE_PG ? process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379' : '';
const SEQUENTIAL = Number(flags.sequential);
const AGENT_REPLIES = Math.min(SEQUENTIAL, Number(flags.agent));
const MESSAGES = Number(flags.messages);
const CONCURRENCY = Number(flags.concurrency);
const UNLIMITED_PLANS = '{"enterprise":{"requests_per_minute":1000000000,"messages_per_month":null}}';

/** The platform's side: receives the channel's signed replies and notes when each thread got one. */
async function startPeer() {
  const repliedAt = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  /** Each thread's conversation, from its first reply; and when an agent's reply arrived. */
  const conversationOf = new Map<string, string>();
  const agentAt = new Map<string, number>();
  const waitingAgent = new Map<string, () => void>();
  let badSignatures = 0;
  let secret = '';
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const json = JSON.parse(body) as {
        type: string;
        data: { thread_id?: string; role?: string; conversation_id?: string };
      };
      if (json.type === 'message.created' && json.data.thread_id) {
        try {
          new Webhook(secret).verify(body, request.headers as Record<string, string>);
        } catch {
          badSignatures += 1;
        }
        const thread = json.data.thread_id;
        if (json.data.conversation_id) conversationOf.set(thread, json.data.conversation_id);
        if (json.data.role === 'agent') {
          agentAt.set(thread, at);
          waitingAgent.get(thread)?.();
          waitingAgent.delete(thread);
        } else if (!repliedAt.has(thread)) {
          repliedAt.set(thread, at);
          waiting.get(thread)?.();
          waiting.delete(thread);
        }
      }
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/replies`,
    repliedAt,
    badSignatures: () => badSignatures,
    setSecret(value: string) {
      secret = value;
    },
    conversationOf,
    agentAt,
    /** Resolves when the thread has an agent's reply. */
    agentReply(thread: string): Promise<void> {
      if (agentAt.has(thread)) return Promise.resolve();
      return new Promise((resolve) => waitingAgent.set(thread, resolve));
    },
    /** Resolves when the thread has its first reply. */
    reply(thread: string): Promise<void> {
      if (repliedAt.has(thread)) return Promise.resolve();
      return new Promise((resolve) => waiting.set(thread, resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function startParley(env: Record<string, string>): Promise<ParleyProcess> {
  return startParleyProcess({
    REDIS_URL,
    PARLEY_ALLOW_PRIVATE_NETWORK: 'true', // the fake provider and the peer are on 127.0.0.1
    PARLEY_PLANS: UNLIMITED_PLANS,
    // Where the platform would reach Parley: custom channels take webhooks whatever it is.
    PARLEY_PUBLIC_URL: 'https://parley.example.com',
    ...env,
  });
}

async function api(base: string, key: string, method: string, urlPath: string, body?: unknown) {
  const response = await fetch(`${base}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`${method} ${urlPath}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function setUp(base: string, key: string, fakeUrl: string, peerUrl: string) {
  const bot = await api(base, key, 'POST', '/v1/chatbots', { name: 'Channel bench' });
  const source = await api(base, key, 'POST', `/v1/chatbots/${bot.id}/sources`, {
    type: 'text',
    title: 'Parcel delivery times',
    url: 'https://shop.example.com/help/shipping',
    content: 'Parcels to Iceland arrive within 9 business days with the Aurora courier.',
  });
  for (const deadline = Date.now() + 60_000; ; ) {
    const state = await api(base, key, 'GET', `/v1/sources/${source.id}`);
    if (state.status === 'ready') break;
    if (state.status === 'failed' || Date.now() > deadline) throw new Error(`source is ${state.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await api(base, key, 'POST', `/v1/chatbots/${bot.id}/integrations`, {
    provider: 'openai_compatible',
    model: 'bench-model',
    base_url: fakeUrl,
  });
  const channel = await api(base, key, 'POST', `/v1/chatbots/${bot.id}/channels`, {
    type: 'custom',
    url: peerUrl,
    name: 'Bench peer',
  });
  return { channelId: channel.id as string, secret: channel.secret as string };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  if (!(SEQUENTIAL > 0 && MESSAGES > 0 && CONCURRENCY > 0)) throw new Error('counts must be > 0');
  const fake = await startFakeOpenAI({
    reply: {
      chunks: ['Parcels to Iceland arrive within 9 business days. [1]'],
      inputTokens: 300,
      outputTokens: 12,
    },
  });
  const peer = await startPeer();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-channels-'));
  const database = await benchDatabase(USE_PG, ADMIN_URL, `parley_bench_channels_${process.pid}`);
  const env: Record<string, string> = { PARLEY_DATA_DIR: dataDir, DATABASE_URL: database.url };
  let parley: Awaited<ReturnType<typeof startParley>> | null = null;
  try {
    parley = await startParley(env);
    const { url, key } = parley;
    const { channelId, secret } = await setUp(url, key, fake.baseUrl, peer.url);
    peer.setSecret(secret);
    const signer = new Webhook(secret);
    let sent = 0;
    /** One inbound message as the peer signs it; resolves with the time its POST was acknowledged. */
    async function deliver(thread: string): Promise<number> {
      sent += 1;
      const id = `msg_bench_${sent}`;
      const raw = JSON.stringify({
        thread_id: thread,
        text: 'How long do parcels to Iceland take?',
        user: { id: `u-${thread}`, name: 'Bench visitor' },
      });
      const at = new Date();
      const response = await fetch(`${url}/hooks/channels/${channelId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signer.sign(id, at, raw),
        },
        body: raw,
      });
      if (response.status !== 200)
        throw new Error(`inbound POST: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      return performance.now();
    }
    /** Waits for a reply, at most --timeout seconds from the start of the wait. */
    const withTimeout = (promise: Promise<void>) => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        promise,
        new Promise<void>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('no reply before --timeout')),
            Number(flags.timeout) * 1000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    };

    // Warm-up: the first turns load the model's code paths and the caches.
    for (let i = 0; i < 10; i++) {
      await deliver(`warm-${i}`);
      await withTimeout(peer.reply(`warm-${i}`));
    }

    // Latency: one message at a time.
    const latencies: number[] = [];
    const acks: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const thread = `seq-${i}`;
      const started = performance.now();
      const acked = await deliver(thread);
      await withTimeout(peer.reply(thread));
      acks.push(acked - started);
      latencies.push(peer.repliedAt.get(thread)! - started);
    }

    const latency = percentiles(latencies);
    const ack = percentiles(acks);
    console.log(
      `\nchannels (${USE_PG ? 'PostgreSQL + Redis' : 'PGlite'}), one custom channel, instant fake OpenAI-compatible provider`,
    );
    console.log(
      `  inbound → reply      p50 ${latency.p50.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms (${SEQUENTIAL} messages one at a time)`,
    );
    console.log(`  inbound acknowledged p50 ${ack.p50.toFixed(1)} ms, p99 ${ack.p99.toFixed(1)} ms`);

    // An agent's reply, one at a time, into the conversations just made.
    const agentLatencies: number[] = [];
    for (let i = 0; i < AGENT_REPLIES; i++) {
      const thread = `seq-${i}`;
      const started = performance.now();
      await api(url, key, 'POST', `/v1/conversations/${peer.conversationOf.get(thread)}/messages`, {
        content: 'Hello, this is Grace from the shipping team.',
      });
      await withTimeout(peer.agentReply(thread));
      agentLatencies.push(peer.agentAt.get(thread)! - started);
    }
    if (AGENT_REPLIES > 0) {
      const agent = percentiles(agentLatencies);
      console.log(
        `  agent reply → sent   p50 ${agent.p50.toFixed(0)} ms, p99 ${agent.p99.toFixed(0)} ms (${AGENT_REPLIES} replies through the API, one at a time)`,
      );
    }

    // Throughput: CONCURRENCY senders at once, each message a thread of its own.
    const started = performance.now();
    let next = 0;
    const ackTimes: number[] = [];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < MESSAGES) {
          const i = next++;
          const before = performance.now();
          ackTimes.push((await deliver(`load-${i}`)) - before);
        }
      }),
    );
    const allSent = performance.now();
    const answered = () =>
      Array.from({ length: MESSAGES }, (_, i) => `load-${i}`).filter((thread) => peer.repliedAt.has(thread))
        .length;
    const progress = setInterval(() => console.log(`  answered ${answered()}/${MESSAGES}`), 10_000);
    try {
      await withTimeout(
        Promise.all(Array.from({ length: MESSAGES }, (_, i) => peer.reply(`load-${i}`))).then(() => {}),
      );
    } finally {
      clearInterval(progress);
    }
    const lastReply = Math.max(
      ...Array.from({ length: MESSAGES }, (_, i) => peer.repliedAt.get(`load-${i}`)!),
    );
    const seconds = (lastReply - started) / 1000;

    ackTimes.sort((a, b) => a - b);
    console.log(
      `  messages/s           ${(MESSAGES / seconds).toFixed(1)} (${MESSAGES} messages from ${CONCURRENCY} senders, all answered in ${seconds.toFixed(1)} s)`,
    );
    console.log(
      `  under load: POSTs    took ${((allSent - started) / 1000).toFixed(1)} s, acknowledged p50 ${percentile(ackTimes, 50).toFixed(1)} ms, p99 ${percentile(ackTimes, 99).toFixed(1)} ms`,
    );
    console.log(
      `  machine              ${cpus().length} cores, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the end`,
    );
    console.log(`  provider calls       ${fake.requests.length} (chat completions and embeddings)`);
    console.log(`  bad reply signatures ${peer.badSignatures()} (must be 0)`);
    if (peer.badSignatures() > 0) process.exitCode = 1;
  } finally {
    await stopParley(parley);
    await peer.close();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  }
}

await main();

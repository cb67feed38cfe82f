// Availability during ingestion: upload a 20 MB text file of random base64 (the worst case for
// chunking: no word repeats, no sentence ends) as a file source to a real `parley serve` on the
// embedded database, and meanwhile read GET /v1/chatbots one request after another.
//
//   node bench/ingest-availability.ts              # 20 MB
//   node bench/ingest-availability.ts --mb 6
//   node bench/ingest-availability.ts --text manual.txt   # that text, repeated or cut to 20 MB
//   node bench/ingest-availability.ts --max-seconds 600   # stop reading then, ingest or not
//
// Prints p50/p95/p99 of GET /v1/chatbots while the upload is ingested, and how long the ingest
// took. Goal: p99 under 200 ms on 2 cores.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type ParleyProcess, startParley as startParleyProcess } from './lib/parley-process.ts';

const { values: flags } = parseArgs({
  options: {
    mb: { type: 'string', default: '20' },
    text: { type: 'string' },
    'max-seconds': { type: 'string', default: '1500' },
  },
});
const MEGABYTES = Number(flags.mb);
/** The reads stop after this long even if the ingest has not finished (reported as unfinished). */
const MAX_SECONDS = Number(flags['max-seconds']);

function startParley(dataDir: string): Promise<ParleyProcess> {
  return startParleyProcess({
    PARLEY_DATA_DIR: dataDir,
    // The reads must be answered, not rate limited.
    PARLEY_PLANS: '{"enterprise":{"requests_per_minute":1000000000}}',
  });
}

/** Random base64 in lines of 76 characters, as `base64` prints it: `megabytes` MiB in all. */
function randomBase64(megabytes: number): string {
  const raw = Math.floor(((megabytes * 1024 * 1024 * 76) / 77) * 0.75) - 64;
  const text = randomBytes(raw).toString('base64');
  return text.replace(/.{76}/g, '$&\n');
}

/** The file's text, repeated or cut to exactly `megabytes` MiB (at a character boundary). */
function textOfSize(file: string, megabytes: number): string {
  const text = readFileSync(file, 'utf8');
  if (text.length === 0) throw new Error(`${file} is empty`);
  const bytes = megabytes * 1024 * 1024;
  const whole = Buffer.from(text.repeat(Math.ceil(bytes / Buffer.byteLength(text)))).subarray(0, bytes);
  // A cut through a multi-byte character would leave a replacement character; drop it.
  return whole.toString('utf8').replace(/\uFFFD$/, '');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-availability-'));
  const parley = await startParley(dataDir);
  const headers = { authorization: `Bearer ${parley.key}` };
  try {
    const bot = (await (
      await fetch(`${parley.url}/v1/chatbots`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Availability' }),
      })
    ).json()) as { id: string };

    // Before: the same reads on an idle server, for comparison.
    const idle: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await (await fetch(`${parley.url}/v1/chatbots`, { headers })).arrayBuffer();
      idle.push(performance.now() - started);
    }

    const form = new FormData();
    form.set('type', 'file');
    const upload = flags.text ? textOfSize(flags.text, MEGABYTES) : randomBase64(MEGABYTES);
    form.set('file', new Blob([upload], { type: 'text/plain' }), flags.text ? 'text.txt' : 'random.txt');
    const started = performance.now();
    const created = await fetch(`${parley.url}/v1/chatbots/${bot.id}/sources`, {
      method: 'POST',
      headers,
      body: form,
    });
    const source = (await created.json()) as { id: string };
    if (created.status !== 202) throw new Error(`upload refused: ${JSON.stringify(source)}`);

    const during: number[] = [];
    let status = 'queued';
    let final: Record<string, unknown> = {};
    let reads = 0;
    while (status !== 'ready' && status !== 'failed') {
      // Out of time: the reads so far are still worth reporting, with the ingest unfinished.
      if (performance.now() - started > MAX_SECONDS * 1000) {
        status = `unfinished after ${MAX_SECONDS} s (${final.chunks} chunks so far)`;
        break;
      }
      const sent = performance.now();
      const response = await fetch(`${parley.url}/v1/chatbots`, { headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`GET /v1/chatbots answered ${response.status}`);
      during.push(performance.now() - sent);
      // The source's own status every 20th read: the reads measured are the chatbot list.
      if (++reads % 20 === 0) {
        final = (await (await fetch(`${parley.url}/v1/sources/${source.id}`, { headers })).json()) as Record<
          string,
          unknown
        >;
        status = String(final.status);
      }
    }
    const seconds = (performance.now() - started) / 1000;

    const show = (label: string, values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      console.log(
        `  ${label.padEnd(22)} p50 ${percentile(sorted, 50).toFixed(1)} ms   p95 ${percentile(sorted, 95).toFixed(1)} ms   p99 ${percentile(sorted, 99).toFixed(1)} ms   max ${sorted.at(-1)!.toFixed(1)} ms   (${values.length} requests)`,
      );
    };
    console.log(
      `\nGET /v1/chatbots while a ${MEGABYTES} MB ${flags.text ? `text (${path.basename(flags.text)})` : 'random base64'} upload is ingested (embedded database)`,
    );
    show('idle server', idle);
    show('during the ingest', during);
    console.log(`  ingest                 ${seconds.toFixed(1)} s, status ${status}, ${final.chunks} chunks`);
    if (final.error) console.log(`  error                  ${final.error}`);
    console.log(`  server peak RSS        ${peakRssMb(parley.child.pid!).toFixed(0)} MB`);
  } finally {
    parley.child.kill('SIGTERM');
    await new Promise((resolve) => parley.child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

// Extraction + chunking benchmark on the PostgreSQL 15 manual (Debian package postgresql-doc-15):
// every HTML page read from disk, extracted through extractDocument() as a crawl would hand it
// over, and chunked with the default options. The crawl budget is 1,170 pages crawled, extracted,
// chunked and indexed in < 60 s on 2 cores; extraction + chunking should take well under 20 s.
//
//   node bench/extract.ts
//   node bench/extract.ts --dir /path/to/html --limit 200
//   node bench/extract.ts --tokenizer     # also time the token counter against plain js-tiktoken
//
// Wall time is what a user waits; CPU time (user + system) is printed too because a busy machine
// stretches wall time without the code getting slower.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chunkDocument } from '../packages/server/src/modules/sources/chunking/chunk-document.ts';
import {
  countTokens,
  countTokensUncached,
} from '../packages/server/src/modules/sources/chunking/chunk-tokens.ts';
import { extractDocument } from '../packages/server/src/modules/sources/extraction/extract-document.ts';

const { values: flags } = parseArgs({
  options: {
    dir: { type: 'string', default: '/usr/share/doc/postgresql-doc-15/html' },
    limit: { type: 'string' },
    tokenizer: { type: 'boolean', default: false },
  },
});

if (!existsSync(flags.dir)) {
  console.log(
    `No HTML corpus at ${flags.dir}: install it with "apt-get install -y postgresql-doc-15" (skipped).`,
  );
  process.exit(0);
}

const files = readdirSync(flags.dir)
  .filter((name) => name.endsWith('.html'))
  .sort()
  .slice(0, flags.limit ? Number(flags.limit) : undefined);

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

// The tokenizer's ranks load on first use (~0.5 s); time it apart from the per-page work.
let start = performance.now();
countTokens('warm up');
const tokenizerLoadMs = performance.now() - start;

let extractMs = 0;
let chunkMs = 0;
let extractCpu = 0;
let chunkCpu = 0;
let bytes = 0;
let sections = 0;
let chunks = 0;
let tokens = 0;
let maxTokens = 0;
let empty = 0;
const chunkTexts: string[] = [];

const wallStart = performance.now();
const cpuStart = cpuMs();
for (const name of files) {
  const body = readFileSync(join(flags.dir, name));
  bytes += body.length;
  let t = performance.now();
  let c = cpuMs();
  const doc = await extractDocument({
    body,
    contentType: 'text/html; charset=utf-8',
    url: `https://www.postgresql.org/docs/15/${name}`,
  });
  extractMs += performance.now() - t;
  extractCpu += cpuMs() - c;
  t = performance.now();
  c = cpuMs();
  const pageChunks = chunkDocument(doc);
  chunkMs += performance.now() - t;
  chunkCpu += cpuMs() - c;
  sections += doc.sections.length;
  chunks += pageChunks.length;
  if (pageChunks.length === 0) empty++;
  for (const chunk of pageChunks) {
    tokens += chunk.tokens;
    maxTokens = Math.max(maxTokens, chunk.tokens);
    if (flags.tokenizer) chunkTexts.push(chunk.text);
  }
}
const totalS = (performance.now() - wallStart) / 1000;
const totalCpuS = (cpuMs() - cpuStart) / 1000;

const rows: [string, string][] = [
  ['pages', `${files.length} (${(bytes / 1e6).toFixed(1)} MB of HTML)`],
  ['pages/s', (files.length / totalS).toFixed(0)],
  ['sections', String(sections)],
  ['chunks', `${chunks} (${empty} pages without text)`],
  ['tokens per chunk', `mean ${(tokens / Math.max(1, chunks)).toFixed(0)}, max ${maxTokens}`],
  ['extract', `${(extractMs / 1000).toFixed(2)} s wall, ${(extractCpu / 1000).toFixed(2)} s CPU`],
  ['chunk', `${(chunkMs / 1000).toFixed(2)} s wall, ${(chunkCpu / 1000).toFixed(2)} s CPU`],
  ['tokenizer load', `${tokenizerLoadMs.toFixed(0)} ms (once per process)`],
  ['total', `${totalS.toFixed(2)} s wall, ${totalCpuS.toFixed(2)} s CPU`],
  ['peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`],
];

if (flags.tokenizer) {
  const chars = chunkTexts.reduce((sum, text) => sum + text.length, 0);
  start = performance.now();
  let cached = 0;
  for (const text of chunkTexts) cached += countTokens(text);
  const cachedMs = performance.now() - start;
  start = performance.now();
  let plain = 0;
  for (const text of chunkTexts) plain += countTokensUncached(text);
  const plainMs = performance.now() - start;
  rows.push(
    ['countTokens', `${(chars / 1e6).toFixed(1)} M chars in ${cachedMs.toFixed(0)} ms (${cached} tokens)`],
    [
      'js-tiktoken encode',
      `${(chars / 1e6).toFixed(1)} M chars in ${plainMs.toFixed(0)} ms (${plain} tokens)`,
    ],
  );
}

const width = Math.max(...rows.map(([label]) => label.length));
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);

// Local embedding model benchmark: what a static embedding model folder (PARLEY_EMBEDDING_MODEL_DIR)
// costs. No such model ships in a package, so the bench writes one of the size of Model2Vec's
// potion-base-8M (a 29,528-token WordPiece vocabulary, the words of the texts first, × 256
// dimensions, random values: the cost does not depend on them) and times:
//   - loading it (what `parley serve` adds to its start) and the memory it holds;
//   - embedding chunk-sized texts in batches of 64 (what ingestion adds per chunk);
//   - embedding one question (what a search adds before the vector lookup).
// The texts are ~1,000-character pieces of the PostgreSQL 15 manual (Debian's postgresql-doc-15),
// or of Parley's docs/ when it is not installed.
//
//   node bench/local-embedding.ts [--texts 5000] [--dimensions 256]
//   node bench/local-embedding.ts --write-model DIR   # only writes the model, e.g. for
//       PARLEY_EMBEDDING_MODEL_DIR=DIR node bench/ingest.ts (what embedding adds to ingestion)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadLocalEmbeddingModel } from '../packages/server/src/modules/providers/local-embedding.ts';
import { writeStaticModel } from '../packages/server/test/helpers/static-model.ts';
import { percentile } from './lib/ranking.ts';

const { values: flags } = parseArgs({
  options: {
    texts: { type: 'string', default: '5000' },
    dimensions: { type: 'string', default: '256' },
    'write-model': { type: 'string' },
  },
});
const TEXTS = Number(flags.texts);
const DIMENSIONS = Number(flags.dimensions);
const VOCABULARY = 29_528;

function corpus(): { name: string; texts: string[] } {
  const manual = '/usr/share/doc/postgresql-doc-15/html';
  const [name, dir, ext] = existsSync(manual)
    ? ['the PostgreSQL 15 manual', manual, '.html']
    : ["Parley's docs", path.join(import.meta.dirname, '..', 'docs'), '.md'];
  const texts: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()) {
    const text = readFileSync(path.join(dir, file), 'utf8')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&[a-z]+;/g, ' ')
      .replace(/\s+/g, ' ');
    for (let at = 0; at + 200 < text.length && texts.length < TEXTS; at += 1000)
      texts.push(text.slice(at, at + 1000));
    if (texts.length >= TEXTS) break;
  }
  return { name, texts };
}

function randomModel(dir: string, texts: string[]): void {
  const words = new Set<string>();
  for (const text of texts) for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) words.add(word);
  const vocabulary = [...words].slice(0, VOCABULARY);
  for (let i = 0; vocabulary.length < VOCABULARY; i++) vocabulary.push(`##p${i}`);
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed / 2 ** 31) * 2 - 1;
  };
  writeStaticModel(dir, {
    words: Object.fromEntries(vocabulary.map((word) => [word, Array.from({ length: DIMENSIONS }, random)])),
  });
}

const { name, texts } = corpus();
if (flags['write-model']) {
  randomModel(path.resolve(flags['write-model']), texts);
  process.exit(0);
}
const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-local-model-'));
try {
  randomModel(dir, texts);
  const size = readFileSync(path.join(dir, 'model.safetensors')).length;
  // Memory held: heap and array buffers after a full collection, before and after loading.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const held = () => {
    gc();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const heldBefore = held();
  const loadStart = performance.now();
  const model = loadLocalEmbeddingModel(dir);
  const loadMs = performance.now() - loadStart;
  const heldMb = (held() - heldBefore) / 2 ** 20;

  model.embedSync(texts.slice(0, 64)); // warm-up
  const start = performance.now();
  for (let i = 0; i < texts.length; i += 64) model.embedSync(texts.slice(i, i + 64));
  const batchSeconds = (performance.now() - start) / 1000;

  const questions = texts.slice(0, 500).map((text) => text.slice(0, 80));
  const times = questions.map((question) => {
    const t0 = performance.now();
    model.embedSync([question]);
    return performance.now() - t0;
  });
  times.sort((a, b) => a - b);

  console.log(
    `Local embedding model, ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  );
  console.log(
    `  model: ${VOCABULARY.toLocaleString('en')} tokens × ${DIMENSIONS} dimensions, F32, ${(size / 2 ** 20).toFixed(1)} MB on disk`,
  );
  console.log(`  load: ${loadMs.toFixed(0)} ms, ${heldMb.toFixed(0)} MB of memory held`);
  console.log(
    `  ${texts.length.toLocaleString('en')} texts of ${name} (~1,000 characters), batches of 64: ${(texts.length / batchSeconds).toFixed(0)} texts/s (${((batchSeconds * 1000) / texts.length).toFixed(2)} ms each)`,
  );
  console.log(
    `  one question (80 characters): p50 ${percentile(times, 0.5).toFixed(3)} ms, p99 ${percentile(times, 0.99).toFixed(3)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

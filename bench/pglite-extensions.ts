// What an embedded database in the same process costs an HTTP server that never queries it:
// a bare Fastify route served alone, next to an idle PGlite, and next to an idle PGlite that
// loaded an extension (pg_trgm or pgvector, as Parley's embedded mode does). The variants
// alternate, so drift of a shared machine spreads over all of them. bench/README.md has figures.
//
//   node bench/pglite-extensions.ts              # 3 rounds, 8 s per case
//   node bench/pglite-extensions.ts --rounds 5 --duration 10
//   VARIANTS=alone,gunzip-only,pglite+pg_trgm node bench/pglite-extensions.ts   # some variants only
//   EXEC_ARGS='--liftoff-only' node bench/pglite-extensions.ts                 # Node/V8 flags for the servers
// `gunzip-only` does what PGlite does to read an extension bundle (gunzip into a Blob), no PGlite;
// `worker` and `worker+pg_trgm` hold the database (with its extension) in a worker thread;
// `pglite+pg_trgm-used` also creates the extension and calls it; `-lazy` turns off PGlite's
// ahead-of-time compiling of the extension's library (PostgreSQL then loads it when first used).
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    serve: { type: 'string' }, // internal: be the server of one variant
    port: { type: 'string', default: '0' },
  },
});

type Variant =
  | 'alone'
  | 'pglite'
  | 'pglite+pg_trgm'
  | 'pglite+vector'
  | 'gunzip-only'
  | 'worker'
  | 'worker+pg_trgm'
  | 'pglite+pg_trgm-used'
  | 'pglite+pg_trgm-lazy'
  | 'pglite+pg_trgm-lazy-used';
const VARIANTS: Variant[] = (process.env.VARIANTS?.split(',') as Variant[] | undefined) ?? [
  'alone',
  'pglite',
  'pglite+pg_trgm',
  'pglite+vector',
];

if (flags.serve) {
  await serve(flags.serve as Variant);
} else {
  await measure();
}

/** The server of one variant: the database (if any) is opened, then left idle. */
async function serve(variant: Variant): Promise<void> {
  // Resolved from the server package, where these dependencies are installed.
  const fromServer = createRequire(path.resolve(import.meta.dirname, '../packages/server/package.json'));
  if (variant === 'worker' || variant === 'worker+pg_trgm') {
    // The same database with its extension, in a worker thread: the HTTP thread hosts no
    // WebAssembly instance.
    const { Worker } = await import('node:worker_threads');
    const source = `
      const { createRequire } = require('node:module');
      const { parentPort } = require('node:worker_threads');
      const r = createRequire(${JSON.stringify(path.resolve(import.meta.dirname, '../packages/server/package.json'))});
      (async () => {
        const { PGlite } = await import(r.resolve('@electric-sql/pglite'));
        const extensions = ${variant === 'worker' ? '{}' : "{ pg_trgm: (await import(r.resolve('@electric-sql/pglite/contrib/pg_trgm'))).pg_trgm }"};
        const db = await PGlite.create('memory://', { extensions });
        await db.query('select 1');
        parentPort.postMessage('ready');
      })();`;
    const worker = new Worker(source, { eval: true });
    await new Promise((resolve) => worker.once('message', resolve));
    (globalThis as { keep?: unknown }).keep = worker;
  } else if (variant === 'gunzip-only') {
    const { createReadStream } = await import('node:fs');
    const { createGunzip } = await import('node:zlib');
    const { Writable } = await import('node:stream');
    const { pipeline } = await import('node:stream/promises');
    const chunks: Buffer[] = [];
    const file = path.resolve(
      import.meta.dirname,
      '../node_modules/@electric-sql/pglite/dist/pg_trgm.tar.gz',
    );
    await pipeline(
      createReadStream(file),
      createGunzip(),
      new Writable({
        write(c, _e, cb) {
          chunks.push(c);
          cb();
        },
      }),
    );
    // As PGlite does: the chunks into a Blob, read back whole to be untarred.
    const blob = new Blob(chunks as unknown as BlobPart[]);
    (globalThis as { keep?: unknown }).keep = new Uint8Array(await blob.arrayBuffer());
  } else if (variant !== 'alone') {
    const { PGlite } = await import(fromServer.resolve('@electric-sql/pglite'));
    const extensions: Record<string, unknown> = {};
    if (variant.startsWith('pglite+pg_trgm')) {
      extensions.pg_trgm = (await import(fromServer.resolve('@electric-sql/pglite/contrib/pg_trgm'))).pg_trgm;
    }
    if (variant === 'pglite+vector') {
      extensions.vector = (await import(fromServer.resolve('@electric-sql/pglite-pgvector'))).vector;
    }
    if (variant.includes('-lazy')) {
      // The extension's library is written to the file system as a plain file, not compiled and
      // instantiated ahead of time: PostgreSQL loads it (synchronously) when it first needs it.
      extensions.lazyLibraries = {
        name: 'lazy-libraries',
        setup: async (_pg: unknown, emscriptenOpts: Record<string, unknown>) => ({
          emscriptenOpts: { ...emscriptenOpts, noWasmDecoding: true },
        }),
      };
    }
    const db = await PGlite.create('memory://', { extensions });
    await db.query('select 1');
    if (variant.endsWith('-used')) {
      await db.exec('create extension pg_trgm');
      console.error((await db.query("select similarity('parley', 'parsley') as s")).rows);
    }
    (globalThis as { keep?: unknown }).keep = db;
  }
  const { default: Fastify } = await import(fromServer.resolve('fastify'));
  const app = Fastify();
  app.get('/', async () => ({ hello: 'world' }));
  const address = await app.listen({ port: Number(flags.port), host: '127.0.0.1' });
  process.stdout.write(`listening at ${address}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

async function measure(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
    url: string;
    connections: number;
    duration: number;
  }) => PromiseLike<{ requests: { total: number }; duration: number; errors: number; non2xx: number }>;
  const rounds = Number(flags.rounds);
  const duration = Number(flags.duration);
  const results = new Map<Variant, number[]>(VARIANTS.map((variant) => [variant, []]));
  console.log(`bare Fastify GET /, 50 connections, ${duration} s per case, ${rounds} rounds`);
  for (let round = 1; round <= rounds; round += 1) {
    for (const variant of VARIANTS) {
      const { child, url } = await start(variant);
      try {
        await autocannon({ url, connections: 50, duration: 3 }); // warm-up
        const run = await autocannon({ url, connections: 50, duration });
        if (run.errors || run.non2xx)
          throw new Error(`${variant}: ${run.errors} errors, ${run.non2xx} non-2xx`);
        const perSecond = run.requests.total / run.duration;
        results.get(variant)!.push(perSecond);
        console.log(`  round ${round}  ${variant.padEnd(15)} ${Math.round(perSecond)} req/s`);
      } finally {
        await stop(child);
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const aloneRuns = results.get('alone');
  const alone = aloneRuns?.length ? median(aloneRuns) : null;
  console.log('\n| variant | req/s (median) | vs alone |\n|---|---:|---:|');
  for (const variant of VARIANTS) {
    const value = median(results.get(variant)!);
    const share = alone ? `${((value / alone) * 100).toFixed(0)}%` : '–';
    console.log(`| ${variant} | ${Math.round(value)} | ${share} |`);
  }
  console.log(
    `\n${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}, ${new Date().toISOString()}`,
  );
}

async function start(variant: Variant): Promise<{ child: ChildProcess; url: string }> {
  const execArgs = process.env.EXEC_ARGS ? process.env.EXEC_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...execArgs, process.argv[1]!, '--serve', variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening at (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${variant} server exited with ${code}: ${output}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

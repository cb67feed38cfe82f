// Builds dist/widget.js: one minified IIFE, served by the server at GET /widget.js.
// Run with `node build.ts` (Node 24 strips the types). Fails past the size budget.

import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
// `--outfile PATH` builds elsewhere (the tests do, so a server reading dist/ never sees a
// half-written file).
const flag = process.argv.indexOf('--outfile');
const outfile =
  flag !== -1 && process.argv[flag + 1] ? resolve(process.argv[flag + 1]!) : join(root, 'dist', 'widget.js');
const BUDGET_GZIP = 30 * 1024;

await build({
  entryPoints: [join(root, 'src', 'main.tsx')],
  outfile,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  // Browsers of the last few years; esbuild lowers syntax, it does not add polyfills.
  target: ['es2020', 'chrome87', 'firefox78', 'safari15', 'edge88'],
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

const raw = readFileSync(outfile);
const gzipped = gzipSync(raw, { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(`${relative(process.cwd(), outfile)}: ${kb(raw.length)} raw, ${kb(gzipped)} gzipped`);
if (gzipped > BUDGET_GZIP) {
  console.error(`widget.js is ${kb(gzipped)} gzipped, over the ${kb(BUDGET_GZIP)} budget.`);
  process.exit(1);
}

#!/usr/bin/env node
// Runs the CLI from source on Node >= 24 (type stripping). When started by an older system
// Node, it re-runs itself with the Node 24 that `npm ci` installed into node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

if (major >= 24) {
  process.argv.splice(1, 1, main);
  await import(main);
} else {
  let nodeBinary = null;
  try {
    const require = createRequire(import.meta.url);
    const candidate = require.resolve('node/bin/node');
    if (existsSync(candidate)) nodeBinary = candidate;
  } catch {}
  if (!nodeBinary) {
    console.error(`Parley needs Node.js 24 or later (this is ${process.version}). Run 'npm ci' first.`);
    process.exit(1);
  }
  const result = spawnSync(nodeBinary, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

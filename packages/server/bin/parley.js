#!/usr/bin/env node
// Runs the CLI from source on Node >= 24 (type stripping). When started by an older system
// Node, it runs itself again with the Node 24 that `npm ci` installed into node_modules, and
// passes signals on so that stopping this process stops the server too.
import { spawn } from 'node:child_process';
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
  const child = spawn(nodeBinary, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}

// Builds dist/ (index.html and hashed assets), served by the server at /app. Run with
// `node build.ts` (npm ci does it through the root "prepare"). Prints what the first load of /app
// costs in gzipped JavaScript (the entry and the chunks it imports statically) and fails past the
// budget; pages loaded on demand (the charts) are counted apart.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));
const BUDGET_GZIP = 250 * 1024;

await build({ configFile: join(root, 'vite.config.ts'), root });

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
const dist = join(root, 'dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<
  string,
  ManifestChunk
>;
const gzipped = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

const firstLoad = new Set<string>();
const visit = (key: string) => {
  const chunk = manifest[key];
  if (!chunk || firstLoad.has(chunk.file)) return;
  firstLoad.add(chunk.file);
  for (const imported of chunk.imports ?? []) visit(imported);
};
for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
const firstLoadBytes = [...firstLoad].reduce((sum, file) => sum + gzipped(file), 0);
const onDemand = Object.values(manifest)
  .map((chunk) => chunk.file)
  .filter((file) => file.endsWith('.js') && !firstLoad.has(file));
const onDemandBytes = onDemand.reduce((sum, file) => sum + gzipped(file), 0);

console.log(
  `console: first load of /app ${kb(firstLoadBytes)} gzipped JS (${firstLoad.size} files, budget ${kb(BUDGET_GZIP)}); ` +
    `${kb(onDemandBytes)} more loaded on demand (${onDemand.length} files)`,
);
if (firstLoadBytes > BUDGET_GZIP) {
  console.error(
    `The console's first load is ${kb(firstLoadBytes)} gzipped, over the ${kb(BUDGET_GZIP)} budget.`,
  );
  process.exit(1);
}

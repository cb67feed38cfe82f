// GET /app and /app/*: the web console, a single-page app built from packages/console into
// dist/ (npm ci builds it). Hashed assets are cached for good; every other path under /app is
// the app's index.html, so a reload of /app/inbox opens the inbox. Files are read once.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../lib/errors.ts';

export const CONSOLE_DIST = path.resolve(import.meta.dirname, '../../../../console/dist');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export function consoleRoute(options: { dir?: string } = {}) {
  const dir = options.dir ?? CONSOLE_DIST;
  const files = new Map<string, Buffer | null>();

  async function load(relative: string): Promise<Buffer | null> {
    if (!files.has(relative)) {
      files.set(relative, await readFile(path.join(dir, relative)).catch(() => null));
    }
    return files.get(relative) ?? null;
  }

  async function sendIndex(reply: FastifyReply) {
    const index = await load('index.html');
    if (!index) {
      throw new AppError(
        'api_error',
        'console_not_built',
        'The console is not built: run `npm run build:console` (npm ci does it).',
        { status: 503 },
      );
    }
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'same-origin')
      .header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      )
      .send(index);
  }

  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/app', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
    app.get('/app/*', { schema: { hide: true } }, async (request, reply) => {
      const rest = (request.params as { '*': string })['*'];
      if (rest.startsWith('assets/')) {
        // Only the built assets' own names: no path outside dist/assets can be asked for.
        const name = rest.slice('assets/'.length);
        const body = /^[\w.-]+$/.test(name) ? await load(`assets/${name}`) : null;
        if (!body) throw new AppError('not_found_error', 'resource_not_found', `No console asset '${name}'.`);
        return reply
          .header('content-type', TYPES[path.extname(name)] ?? 'application/octet-stream')
          .header('cache-control', 'public, max-age=31536000, immutable')
          .send(body);
      }
      return sendIndex(reply);
    });
  };
}

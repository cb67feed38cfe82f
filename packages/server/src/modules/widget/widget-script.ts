// GET /widget.js: the widget, built from packages/widget into one file, read once and served
// with an ETag so browsers revalidate cheaply.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../lib/errors.ts';

export const WIDGET_BUNDLE = path.resolve(import.meta.dirname, '../../../../widget/dist/widget.js');

export function widgetScriptRoute(options: { file?: string } = {}) {
  const file = options.file ?? WIDGET_BUNDLE;
  let cached: { body: Buffer; etag: string } | null = null;

  async function load() {
    if (cached) return cached;
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      throw new AppError(
        'api_error',
        'widget_not_built',
        'The widget is not built: run `npm run build:widget` (npm ci does it).',
        { status: 503 },
      );
    }
    cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    return cached;
  }

  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/widget.js', { schema: { hide: true } }, async (request, reply) => {
      const script = await load();
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .header('etag', script.etag)
        // Embedded on other sites: let them load it whatever their embedder policy.
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('access-control-allow-origin', '*');
      if (request.headers['if-none-match'] === script.etag) return reply.code(304).send();
      return reply.send(script.body);
    });
  };
}

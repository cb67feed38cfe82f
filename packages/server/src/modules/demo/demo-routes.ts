// `GET /`: the demo page, outside /v1 and without a key (it holds no secret: the widget speaks
// the public API, guarded by the bot's allowed origins). Without a demo bot, a short page says why.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../lib/errors.ts';
import { encodeId } from '../../lib/ids.ts';
import { demoPagePolicy, renderDemoDoc, renderDemoPage, renderNoDemoPage } from './demo-page.ts';
import { DEMO_STARTER_QUESTIONS, type DemoService } from './demo-service.ts';

export function demoRoutes(deps: { demo: Pick<DemoService, 'enabled' | 'current' | 'doc'> }) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => {
      const bot = await deps.demo.current();
      // Rendered per request: the bot may be deleted (or re-created at the next start) meanwhile.
      reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8');
      if (!bot) return renderNoDemoPage(deps.demo.enabled ? 'missing' : 'off');
      const nonce = randomBytes(16).toString('base64');
      reply.header('Content-Security-Policy', demoPagePolicy(nonce));
      return renderDemoPage({
        chatbotId: encodeId('bot', bot.chatbotId),
        questions: DEMO_STARTER_QUESTIONS,
        nonce,
      });
    });

    // The documentation the bot was trained on, which its answers cite and link to.
    app.get<{ Params: { '*': string } }>('/demo/*', { schema: { hide: true } }, async (request, reply) => {
      const relPath = request.params['*'];
      const content = deps.demo.doc(relPath);
      if (content === null) {
        throw new AppError('not_found_error', 'resource_not_found', `No documentation file '${relPath}'.`);
      }
      return reply.type('text/html; charset=utf-8').send(renderDemoDoc({ path: relPath, content }));
    });
  };
}

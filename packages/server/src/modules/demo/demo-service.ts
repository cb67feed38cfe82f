// The first-run demo: a chatbot in the default workspace's live environment, trained on Parley's
// own documentation, that the page at `/` embeds with the widget as a customer would.
//
// Ensured at every start: created once (found again by its slug), its knowledge kept equal to the
// documentation files (a file whose content changed is sent again, nothing else is), and the
// server's own origins allowed for the port it listens on. It goes through the chatbot and source
// services like any API client, so ingestion jobs index it.
import type { Logger } from 'pino';
import { withAdvisoryLock } from '../../db/advisory-lock.ts';
import type { Database } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import type { ChatbotRow } from '../chatbots/chatbot-schemas.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import type { SourceRow } from '../sources/source-schemas.ts';
import type { SourceService } from '../sources/source-service.ts';
import {
  contentHash,
  type DemoDoc,
  demoDocUrl,
  docTitle,
  mergeServerOrigins,
  readDemoDoc,
  readDemoDocs,
} from './demo-docs.ts';

export const DEMO_SLUG = 'parley-demo';
const DEMO_LOCK_ID = 727_003;

/** Questions the documentation answers, shown in the widget and on the page. */
export const DEMO_STARTER_QUESTIONS = [
  'How do I put the chatbot on my website?',
  'Does Parley need an AI provider?',
  'How does human handoff work?',
];

const DEMO_GREETING =
  "Hi! I'm the Parley demo. I have read Parley's documentation: ask me how it works, or ask to talk to a person.";

const DEMO_SYSTEM_PROMPT =
  'You are the Parley demo, a friendly assistant that answers questions about Parley, a self-hosted platform for AI customer-support chatbots, from its documentation. Answer briefly and clearly.';

export interface DemoServiceDeps {
  db: Database;
  logger: Logger;
  chatbots: Pick<ChatbotService, 'findBySlug' | 'create' | 'update' | 'get'>;
  sources: Pick<SourceService, 'list' | 'create' | 'remove'>;
  enabled: boolean;
  /** Where README.md and docs/ are read from. */
  docsRoot: string;
}

export interface DemoEnsureResult {
  chatbotId: string;
  created: boolean;
  /** Paths of the files sent (new or changed) at this start. */
  sent: string[];
  /** Sources removed: files changed, gone or retitled. */
  removed: number;
  allowedOrigins: string[];
}

type Scope = { workspaceId: string; environment: 'live' };

/**
 * A source this service made from a file: a text source titled as its content is. Sources added
 * to the demo bot by hand are left alone.
 */
function isFromFile(source: SourceRow): boolean {
  const content = source.config.content;
  return source.type === 'text' && typeof content === 'string' && source.title === docTitle(content);
}

export function createDemoService(deps: DemoServiceDeps) {
  const { logger } = deps;
  let current: { scope: Scope; chatbotId: string } | null = null;

  async function findOrCreateBot(scope: Scope): Promise<{ bot: ChatbotRow; created: boolean }> {
    const existing = await deps.chatbots.findBySlug(scope, DEMO_SLUG);
    if (existing) return { bot: existing, created: false };
    try {
      const bot = await deps.chatbots.create(scope, {
        name: 'Parley demo',
        slug: DEMO_SLUG,
        system_prompt: DEMO_SYSTEM_PROMPT,
        widget_settings: {
          title: 'Parley demo',
          greeting: DEMO_GREETING,
          starter_questions: DEMO_STARTER_QUESTIONS,
        },
        handoff_settings: { enabled: true },
      });
      return { bot, created: true };
    } catch (error) {
      // Another node created it between our read and insert.
      if (!(error instanceof AppError && error.code === 'slug_taken')) throw error;
      const raced = await deps.chatbots.findBySlug(scope, DEMO_SLUG);
      if (!raced) throw error;
      return { bot: raced, created: false };
    }
  }

  async function allSources(scope: Scope, chatbotId: string): Promise<SourceRow[]> {
    const rows: SourceRow[] = [];
    for (let beforeId: string | null = null; ; ) {
      const page = await deps.sources.list(scope, chatbotId, { limit: 100, beforeId });
      rows.push(...page);
      if (page.length < 100) return rows;
      beforeId = page[page.length - 1]!.id;
    }
  }

  /**
   * Sends the files that are new or changed, removes sources of files changed or gone. A file's
   * link (which follows the server's address) counts as part of it.
   */
  async function syncSources(
    scope: Scope,
    chatbotId: string,
    docs: DemoDoc[],
    baseUrl: string,
    anyLink: boolean,
  ) {
    const fromFiles = (await allSources(scope, chatbotId)).filter(isFromFile);
    const kept = new Set<string>();
    const toSend: DemoDoc[] = [];
    for (const doc of docs) {
      const url = demoDocUrl(baseUrl, doc.path);
      const same = fromFiles.find(
        (source) =>
          !kept.has(source.id) &&
          source.title === doc.title &&
          (anyLink || (source.config.url ?? null) === url) &&
          contentHash(source.config.content as string) === doc.hash,
      );
      if (same) kept.add(same.id);
      else toSend.push(doc);
    }
    const stale = fromFiles.filter((source) => !kept.has(source.id));
    // Removed before the new ones are sent: the bot never holds two versions of a file.
    for (const source of stale) await deps.sources.remove(scope, source.id);
    for (const doc of toSend) {
      const url = demoDocUrl(baseUrl, doc.path);
      await deps.sources.create(
        scope,
        chatbotId,
        { type: 'text', title: doc.title, content: doc.content, url },
        null,
      );
    }
    return { sent: toSend.map((doc) => doc.path), removed: stale.length };
  }

  return {
    enabled: deps.enabled,

    /**
     * Makes sure the demo bot exists in the workspace's live environment, knows the current
     * documentation, and may be embedded on `origins`. `baseUrl` is where this server's pages
     * are, for the links to the documentation. Null when the demo is turned off.
     */
    async ensure(input: {
      workspaceId: string;
      origins: string[];
      baseUrl: string;
      /**
       * Several nodes serve one database (scale-out): each adds its origins to the bot's, and a
       * file already sent by another node (its link naming that node) is not sent again.
       */
      manyNodes?: boolean;
    }): Promise<DemoEnsureResult | null> {
      if (!deps.enabled) return null;
      const scope: Scope = { workspaceId: input.workspaceId, environment: 'live' };
      const docs = readDemoDocs(deps.docsRoot);
      if (docs.length === 0) {
        logger.warn(
          { root: deps.docsRoot },
          'demo: no README.md or docs/*.md found; the demo bot knows nothing',
        );
      }
      // Nodes starting together would otherwise each send the same changed file.
      const result = await withAdvisoryLock(deps.db, DEMO_LOCK_ID, async () => {
        const { bot, created } = await findOrCreateBot(scope);
        const existing = bot.widgetSettings.allowed_origins;
        const allowedOrigins = input.manyNodes
          ? [...new Set([...existing, ...input.origins])]
          : mergeServerOrigins(existing, input.origins);
        const sameOrigins =
          allowedOrigins.length === bot.widgetSettings.allowed_origins.length &&
          allowedOrigins.every((origin) => bot.widgetSettings.allowed_origins.includes(origin));
        if (!sameOrigins) {
          await deps.chatbots.update(scope, bot.id, { widget_settings: { allowed_origins: allowedOrigins } });
        }
        const synced = await syncSources(scope, bot.id, docs, input.baseUrl, input.manyNodes === true);
        return { chatbotId: bot.id, created, allowedOrigins, ...synced };
      });
      current = { scope, chatbotId: result.chatbotId };
      if (result.created || result.sent.length > 0 || result.removed > 0) {
        logger.info(
          { created: result.created, sent: result.sent, removed: result.removed },
          'demo chatbot trained on the documentation',
        );
      }
      return result;
    },

    /** A documentation file the demo bot was trained on, as text, or null. */
    doc(relPath: string): string | null {
      return deps.enabled ? readDemoDoc(deps.docsRoot, relPath) : null;
    },

    /** The demo bot this node ensured, if it still exists; null when off or not (yet) there. */
    async current(): Promise<{ chatbotId: string } | null> {
      if (!deps.enabled || !current) return null;
      try {
        await deps.chatbots.get(current.scope, current.chatbotId);
        return { chatbotId: current.chatbotId };
      } catch (error) {
        if (error instanceof AppError && error.type === 'not_found_error') return null;
        throw error;
      }
    },
  };
}

export type DemoService = ReturnType<typeof createDemoService>;

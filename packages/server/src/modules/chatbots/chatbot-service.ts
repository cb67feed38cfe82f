// Chatbots: creation with a unique slug, settings, pause, soft delete and purge.
import type { Database, Executor } from '../../db/client.ts';
import { DEFAULT_HANDOFF_SETTINGS, DEFAULT_LEAD_SETTINGS } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { isUniqueViolation } from '../../lib/db-errors.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId, newUuid } from '../../lib/ids.ts';
import { nextFreeSlug, randomSlug, slugify } from '../../lib/slug.ts';
import * as repo from './chatbot-repository.ts';
import type { ChatbotRow } from './chatbot-schemas.ts';
import {
  DEFAULT_FALLBACK_MESSAGE,
  DEFAULT_MODEL_SETTINGS,
  DEFAULT_RETRIEVAL_SETTINGS,
  defaultSystemPrompt,
  defaultWidgetSettings,
  mergeWidget,
  type WidgetSettingsInput,
} from './chatbot-settings.ts';

export interface ChatbotInput {
  name?: string;
  slug?: string;
  system_prompt?: string;
  fallback_message?: string;
  is_active?: boolean;
  model_settings?: Partial<ChatbotRow['modelSettings']>;
  retrieval_settings?: Partial<ChatbotRow['retrievalSettings']>;
  widget_settings?: WidgetSettingsInput;
  handoff_settings?: Partial<ChatbotRow['handoffSettings']>;
  lead_settings?: Partial<ChatbotRow['leadSettings']>;
}

const PURGE_BATCH = 100;

function slugTaken(slug: string): AppError {
  return new AppError('conflict_error', 'slug_taken', `Another chatbot already uses the slug '${slug}'.`, {
    param: 'slug',
  });
}

function cleanName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw AppError.invalid('invalid_parameter', "The field 'name' must not be blank.", 'name');
  return trimmed;
}

export function createChatbotService(deps: {
  db: Database;
  jobs: JobSender;
  /**
   * What other modules delete with the chatbot, in the transaction that hides it (its channels,
   * whose platform registrations must be recorded before the purge's cascade removes them).
   */
  onRemove?: (tx: Executor, scope: Scope, id: string) => Promise<void>;
}) {
  const { db } = deps;

  async function insertWithSlug(scope: Scope, input: ChatbotInput & { name: string }): Promise<ChatbotRow> {
    const name = cleanName(input.name);
    // A concurrent create may take the derived slug between our read and insert: try again. Bots
    // created at once with one name all read the same free slug, so a retry takes a random one.
    const base = slugify(name, 'chatbot');
    for (let attempt = 0; ; attempt++) {
      const slug =
        input.slug ??
        (attempt === 0 ? nextFreeSlug(base, await repo.slugsLike(db.orm, scope, base)) : randomSlug(base));
      try {
        return await repo.insertChatbot(db.orm, {
          id: newUuid(),
          workspaceId: scope.workspaceId,
          environment: scope.environment,
          name,
          slug,
          systemPrompt: input.system_prompt ?? defaultSystemPrompt(name),
          fallbackMessage: input.fallback_message ?? DEFAULT_FALLBACK_MESSAGE,
          isActive: input.is_active ?? true,
          modelSettings: { ...DEFAULT_MODEL_SETTINGS, ...input.model_settings },
          retrievalSettings: { ...DEFAULT_RETRIEVAL_SETTINGS, ...input.retrieval_settings },
          widgetSettings: mergeWidget(defaultWidgetSettings(name), input.widget_settings),
          handoffSettings: { ...DEFAULT_HANDOFF_SETTINGS, ...input.handoff_settings },
          leadSettings: { ...DEFAULT_LEAD_SETTINGS, ...input.lead_settings },
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (input.slug) throw slugTaken(input.slug);
        if (attempt >= 4) {
          throw new AppError('conflict_error', 'slug_taken', 'No free slug was found for this name: retry.', {
            param: 'name',
          });
        }
      }
    }
  }

  async function get(scope: Scope, id: string): Promise<ChatbotRow> {
    const row = await repo.findChatbot(db.orm, scope, id);
    if (!row) throw AppError.notFound('chatbot', encodeId('bot', id));
    return row;
  }

  return {
    create: (scope: Scope, input: ChatbotInput & { name: string }) => insertWithSlug(scope, input),

    list: (scope: Scope, page: { limit: number; beforeId: string | null }) =>
      repo.listChatbots(db.orm, scope, page),

    get,

    /** The bot with this slug in the scope, or null. */
    findBySlug: (scope: Scope, slug: string) => repo.findChatbotBySlug(db.orm, scope, slug),

    /** Throws 404 unless the bot exists in the scope (and is not deleted). */
    async assertExists(scope: Scope, id: string): Promise<void> {
      await get(scope, id);
    },

    /**
     * Locks the bot until `tx` ends, so that it cannot be deleted before what `tx` adds to it
     * commits (the delete waits, then deletes that too); false when it is gone already.
     */
    lockExisting: (tx: Executor, scope: Scope, id: string): Promise<boolean> =>
      repo.lockChatbot(tx, scope, id),

    async update(scope: Scope, id: string, input: ChatbotInput): Promise<ChatbotRow> {
      const current = await get(scope, id);
      try {
        const updated = await repo.updateChatbot(db.orm, scope, id, {
          ...(input.name === undefined ? {} : { name: cleanName(input.name) }),
          ...(input.slug === undefined ? {} : { slug: input.slug }),
          ...(input.system_prompt === undefined ? {} : { systemPrompt: input.system_prompt }),
          ...(input.fallback_message === undefined ? {} : { fallbackMessage: input.fallback_message }),
          ...(input.is_active === undefined ? {} : { isActive: input.is_active }),
          ...(input.model_settings
            ? { modelSettings: { ...current.modelSettings, ...input.model_settings } }
            : {}),
          ...(input.retrieval_settings
            ? { retrievalSettings: { ...current.retrievalSettings, ...input.retrieval_settings } }
            : {}),
          ...(input.widget_settings
            ? { widgetSettings: mergeWidget(current.widgetSettings, input.widget_settings) }
            : {}),
          ...(input.handoff_settings
            ? { handoffSettings: { ...current.handoffSettings, ...input.handoff_settings } }
            : {}),
          ...(input.lead_settings
            ? { leadSettings: { ...current.leadSettings, ...input.lead_settings } }
            : {}),
        });
        if (!updated) throw AppError.notFound('chatbot', encodeId('bot', id));
        return updated;
      } catch (error) {
        if (input.slug && isUniqueViolation(error)) throw slugTaken(input.slug);
        throw error;
      }
    },

    /** Hides the bot at once; a background job deletes it and everything it owns. */
    async remove(scope: Scope, id: string): Promise<void> {
      const deleted = await db.orm.transaction(async (tx) => {
        const hidden = await repo.softDeleteChatbot(tx, scope, id);
        if (hidden) await deps.onRemove?.(tx, scope, id);
        return hidden;
      });
      if (!deleted) throw AppError.notFound('chatbot', encodeId('bot', id));
      // The cron sweep of the same job catches this bot if the send is lost in a crash.
      await deps.jobs.send('chatbots-purge', {}, { singletonKey: 'chatbots-purge' });
    },

    /** Purges every soft-deleted bot, in batches. */
    async purgeDeleted(): Promise<number> {
      let total = 0;
      for (;;) {
        const purged = await repo.purgeDeletedChatbots(db.orm, PURGE_BATCH);
        total += purged;
        if (purged < PURGE_BATCH) return total;
      }
    },
  };
}

export type ChatbotService = ReturnType<typeof createChatbotService>;

// Integrations: one provider connection per row; a chatbot answers through at most one enabled
// integration. Provider keys are sealed at rest and only ever leave as their last four characters.
import type { Config } from '../../config.ts';
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId, newUuid } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import { recordEvent } from '../events/event-outbox.ts';
import type { ProviderRegistry } from '../providers/provider-registry.ts';
import type { LlmProvider, ProviderConnection, ProviderName } from '../providers/provider-types.ts';
import * as repo from './integration-repository.ts';
import { type IntegrationRow, presentIntegration } from './integration-schemas.ts';

type KeySource = 'integration' | 'environment' | 'none';

export interface IntegrationInput {
  provider?: string;
  model?: string;
  embedding_model?: string | null;
  base_url?: string | null;
  api_key?: string | null;
  status?: 'active' | 'disabled';
}

export interface TestOutcome {
  ok: boolean;
  latency_ms: number;
  error: { type: string; code: string; message: string } | null;
}

/** Providers that cannot be reached without a credential. */
const NEEDS_KEY: readonly LlmProvider[] = ['openai', 'gemini', 'anthropic'];
const TEST_TIMEOUT_MS = 20_000;

function normaliseProvider(provider: string): LlmProvider {
  return (provider === 'chatgpt' ? 'openai' : provider) as LlmProvider;
}

function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw AppError.invalid(
      'invalid_parameter',
      `'base_url' is not a valid URL: '${value.slice(0, 100)}'.`,
      'base_url',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw AppError.invalid('invalid_parameter', "'base_url' must be an http or https URL.", 'base_url');
  }
  if (url.username || url.password) {
    throw AppError.invalid(
      'invalid_parameter',
      "'base_url' must not hold credentials: use 'api_key'.",
      'base_url',
    );
  }
  return value.replace(/\/+$/, '');
}

export function createIntegrationService(deps: {
  db: Database;
  secretBox: SecretBox;
  chatbots: ChatbotService;
  providers: ProviderRegistry;
  providerDefaults: Config['providerDefaults'];
}) {
  const { db } = deps;

  function environmentKey(provider: LlmProvider): string | null {
    const defaults = deps.providerDefaults;
    if (provider === 'openai') return defaults.openaiApiKey;
    if (provider === 'gemini') return defaults.geminiApiKey;
    if (provider === 'anthropic') return defaults.anthropicApiKey;
    return null;
  }

  function keySource(row: IntegrationRow): KeySource {
    if (row.apiKeyEncrypted) return 'integration';
    return environmentKey(row.provider) ? 'environment' : 'none';
  }

  function requireKey(provider: LlmProvider, hasKey: boolean): void {
    if (NEEDS_KEY.includes(provider) && !hasKey && !environmentKey(provider)) {
      throw AppError.invalid(
        'missing_required_field',
        `The field 'api_key' is required for ${provider} (or set the server's default credential in the environment).`,
        'api_key',
      );
    }
  }

  function sealKey(apiKey: string | null | undefined) {
    if (apiKey === undefined) return {};
    if (apiKey === null) return { apiKeyEncrypted: null, apiKeyLastFour: null };
    return { apiKeyEncrypted: deps.secretBox.encrypt(apiKey), apiKeyLastFour: apiKey.slice(-4) };
  }

  async function get(scope: Scope, id: string): Promise<IntegrationRow> {
    const row = await repo.findIntegration(db.orm, scope, id);
    if (!row) throw AppError.notFound('integration', encodeId('int', id));
    // An integration of a deleted chatbot is gone with it.
    await deps.chatbots.assertExists(scope, row.chatbotId);
    return row;
  }

  function connectionOf(row: IntegrationRow): ProviderConnection {
    const provider = row.provider;
    return {
      provider,
      model: row.model,
      embeddingModel: row.embeddingModel,
      baseUrl: row.baseUrl ?? (provider === 'ollama' ? deps.providerDefaults.ollamaBaseUrl : null),
      apiKey: row.apiKeyEncrypted ? deps.secretBox.decrypt(row.apiKeyEncrypted) : environmentKey(provider),
    };
  }

  /**
   * Records the result of a real call: a failure marks an enabled integration failing (and
   * announces it once, when it was working); a success makes a failing one active again.
   */
  async function recordOutcome(scope: Scope, row: IntegrationRow, failure: string | null): Promise<void> {
    if (row.status === 'disabled') {
      await repo.updateIntegration(db.orm, scope, row.id, { lastCheckedAt: new Date(), lastError: failure });
      return;
    }
    await db.orm.transaction(async (tx) => {
      const updated = await repo.updateIntegration(tx, scope, row.id, {
        lastCheckedAt: new Date(),
        lastError: failure,
        status: failure ? 'failing' : 'active',
      });
      if (failure && row.status === 'active' && updated) {
        await recordEvent(tx, scope, 'integration.failed', presentIntegration(updated, keySource(updated)));
      }
    });
  }

  return {
    keySource,
    get,
    recordOutcome,

    async create(
      scope: Scope,
      chatbotId: string,
      input: IntegrationInput & { provider: string; model: string },
    ) {
      await deps.chatbots.assertExists(scope, chatbotId);
      const provider = normaliseProvider(input.provider);
      const baseUrl = input.base_url ? checkBaseUrl(input.base_url) : null;
      if (provider === 'openai_compatible' && !baseUrl) {
        throw AppError.invalid(
          'missing_required_field',
          "The field 'base_url' is required for openai_compatible.",
          'base_url',
        );
      }
      requireKey(provider, Boolean(input.api_key));
      const status = input.status ?? 'active';
      return db.orm.transaction(async (tx) => {
        const id = newUuid();
        // Enabling this one disables the bot's previous enabled integration: one answers at a time.
        if (status !== 'disabled') await repo.disableOthers(tx, scope, chatbotId, id);
        return repo.insertIntegration(tx, {
          id,
          workspaceId: scope.workspaceId,
          environment: scope.environment,
          chatbotId,
          provider,
          model: input.model,
          embeddingModel: input.embedding_model ?? null,
          baseUrl,
          ...sealKey(input.api_key),
          status,
        });
      });
    },

    async list(scope: Scope, chatbotId: string, page: { limit: number; beforeId: string | null }) {
      await deps.chatbots.assertExists(scope, chatbotId);
      return repo.listIntegrations(db.orm, scope, chatbotId, page);
    },

    async update(scope: Scope, id: string, input: IntegrationInput): Promise<IntegrationRow> {
      const current = await get(scope, id);
      const provider = current.provider as LlmProvider;
      const baseUrl = input.base_url ? checkBaseUrl(input.base_url) : input.base_url;
      if (provider === 'openai_compatible' && baseUrl === null) {
        throw AppError.invalid(
          'invalid_parameter',
          "'base_url' cannot be removed from an openai_compatible integration.",
          'base_url',
        );
      }
      if (input.api_key === null) requireKey(provider, false);
      return db.orm.transaction(async (tx) => {
        if (input.status === 'active') await repo.disableOthers(tx, scope, current.chatbotId, id);
        const updated = await repo.updateIntegration(tx, scope, id, {
          ...(input.model === undefined ? {} : { model: input.model }),
          ...(input.embedding_model === undefined ? {} : { embeddingModel: input.embedding_model }),
          ...(baseUrl === undefined ? {} : { baseUrl }),
          ...sealKey(input.api_key),
          // Enabling again clears the failure: the next call or test tells the truth.
          ...(input.status === undefined ? {} : { status: input.status, lastError: null }),
        });
        return updated!;
      });
    },

    async remove(scope: Scope, id: string): Promise<void> {
      await get(scope, id);
      await repo.deleteIntegration(db.orm, scope, id);
    },

    /** One real minimal call through the provider. A failure marks the integration failing. */
    async test(scope: Scope, id: string): Promise<TestOutcome> {
      const row = await get(scope, id);
      const model = deps.providers.textModel(connectionOf(row), { timeoutMs: TEST_TIMEOUT_MS });
      const started = performance.now();
      let error: TestOutcome['error'] = null;
      try {
        await model.generate({
          system: 'You are a connectivity check. Reply with the single word OK.',
          messages: [{ role: 'user', content: 'Reply with OK.' }],
          maxOutputTokens: 16,
          temperature: 0,
        });
      } catch (caught) {
        const appError = caught instanceof AppError ? caught : null;
        error = {
          type: appError?.type ?? 'provider_error',
          code: appError?.code ?? 'provider_unavailable',
          message: appError?.message ?? 'The provider could not be reached.',
        };
      }
      const latency = Math.round(performance.now() - started);
      await recordOutcome(scope, row, error?.message ?? null);
      return { ok: error === null, latency_ms: latency, error };
    },

    /** The provider each chatbot answers with: its enabled integration's, or `extractive`. */
    async providersOf(scope: Scope, chatbotIds: string[]): Promise<Map<string, ProviderName>> {
      const enabled = await repo.findEnabled(db.orm, scope, chatbotIds);
      const providers = new Map<string, ProviderName>(chatbotIds.map((id) => [id, 'extractive']));
      for (const row of enabled) providers.set(row.chatbotId, row.provider);
      return providers;
    },

    /** The decrypted connection the chatbot answers through, or null (extractive). */
    async connectionFor(scope: Scope, chatbotId: string): Promise<ProviderConnection | null> {
      const [row] = await repo.findEnabled(db.orm, scope, [chatbotId]);
      return row ? connectionOf(row) : null;
    },

    /**
     * An integration of the scope with its decrypted connection, whatever its status, or null when
     * there is none (deleted, or gone with its chatbot). Agent loops name theirs by id.
     */
    async findWithConnection(
      scope: Scope,
      id: string,
    ): Promise<{ row: IntegrationRow; connection: ProviderConnection } | null> {
      try {
        const row = await get(scope, id);
        return { row, connection: connectionOf(row) };
      } catch (error) {
        if (error instanceof AppError && error.type === 'not_found_error') return null;
        throw error;
      }
    },

    /** The chatbot's enabled integration with its decrypted connection, or null (extractive). */
    async enabledFor(
      scope: Scope,
      chatbotId: string,
    ): Promise<{ row: IntegrationRow; connection: ProviderConnection } | null> {
      const [row] = await repo.findEnabled(db.orm, scope, [chatbotId]);
      return row ? { row, connection: connectionOf(row) } : null;
    },
  };
}

export type IntegrationService = ReturnType<typeof createIntegrationService>;

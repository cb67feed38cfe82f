// API schemas of integrations (AI backend connections) and their wire presentation.
import { Type } from 'typebox';
import type { integrations } from '../../db/schema.ts';
import { Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';

export type IntegrationRow = typeof integrations.$inferSelect;

export const PROVIDER_INPUTS = [
  'openai',
  'chatgpt',
  'gemini',
  'anthropic',
  'ollama',
  'openai_compatible',
] as const;
const ModelName = Type.String({ minLength: 1, maxLength: 200, pattern: '^\\S+$' });
const BaseUrl = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'http(s) URL of the provider API.',
});
const ProviderKey = Type.String({
  minLength: 1,
  maxLength: 1000,
  description: 'Write-only: encrypted at rest, never returned.',
});

export const IntegrationResponse = Type.Object({
  id: Type.String({ examples: ['int_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  chatbot_id: Type.String(),
  provider: Type.Enum(['openai', 'gemini', 'anthropic', 'ollama', 'openai_compatible']),
  model: Type.String(),
  embedding_model: Nullable(Type.String()),
  base_url: Nullable(Type.String()),
  api_key_set: Type.Boolean(),
  api_key_last_four: Nullable(Type.String()),
  api_key_source: Type.Union(
    [Type.Literal('integration'), Type.Literal('environment'), Type.Literal('none')],
    {
      description:
        "Where the credential comes from: this integration, the server's environment default, or none.",
    },
  ),
  status: Type.Union([Type.Literal('active'), Type.Literal('failing'), Type.Literal('disabled')]),
  last_error: Nullable(Type.String()),
  last_checked_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CreateIntegrationBody = Type.Object(
  {
    provider: Type.Enum(PROVIDER_INPUTS, { description: '`chatgpt` is an alias of `openai`.' }),
    model: ModelName,
    embedding_model: Type.Optional(Nullable(ModelName)),
    base_url: Type.Optional(Nullable(BaseUrl)),
    api_key: Type.Optional(Nullable(ProviderKey)),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  },
  { additionalProperties: false },
);

export const UpdateIntegrationBody = Type.Object(
  {
    model: Type.Optional(ModelName),
    embedding_model: Type.Optional(Nullable(ModelName)),
    base_url: Type.Optional(Nullable(BaseUrl)),
    api_key: Type.Optional(Nullable(ProviderKey)),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const IntegrationTestResponse = Type.Object({
  ok: Type.Boolean(),
  latency_ms: Type.Integer(),
  error: Nullable(Type.Object({ type: Type.String(), code: Type.String(), message: Type.String() })),
});

export function presentIntegration(row: IntegrationRow, keySource: 'integration' | 'environment' | 'none') {
  return {
    id: encodeId('int', row.id),
    chatbot_id: encodeId('bot', row.chatbotId),
    provider: row.provider,
    model: row.model,
    embedding_model: row.embeddingModel,
    base_url: row.baseUrl,
    api_key_set: row.apiKeyEncrypted !== null,
    api_key_last_four: row.apiKeyLastFour,
    api_key_source: keySource,
    status: row.status,
    last_error: row.lastError,
    last_checked_at: row.lastCheckedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

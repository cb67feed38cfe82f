// API schemas of chatbots and how a row is presented on the wire.
import { Type } from 'typebox';
import type { chatbots } from '../../db/schema.ts';
import { NOT_BLANK, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import {
  HandoffSettingsPatch,
  HandoffSettingsSchema,
  LeadSettingsPatch,
  LeadSettingsSchema,
  ModelSettingsPatch,
  ModelSettingsSchema,
  RetrievalSettingsPatch,
  RetrievalSettingsSchema,
  WidgetSettingsPatch,
  WidgetSettingsSchema,
} from './chatbot-settings.ts';

export type ChatbotRow = typeof chatbots.$inferSelect;

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: NOT_BLANK });
const Slug = Type.String({
  pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
  maxLength: 64,
  description: 'Lower-case letters, digits and dashes; derived from the name when not given.',
});
const SystemPrompt = Type.String({ maxLength: 10_000 });
const FallbackMessage = Type.String({ minLength: 1, maxLength: 1_000, pattern: NOT_BLANK });

export const PROVIDER_NAMES = [
  'openai',
  'gemini',
  'anthropic',
  'ollama',
  'openai_compatible',
  'extractive',
] as const;

export const ChatbotResponse = Type.Object({
  id: Type.String({ examples: ['bot_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  name: Type.String(),
  slug: Type.String(),
  provider: Type.Enum(PROVIDER_NAMES, {
    description:
      "The provider of the chatbot's enabled integration, or `extractive` (offline) when it has none.",
  }),
  system_prompt: Type.String(),
  fallback_message: Type.String(),
  is_active: Type.Boolean({ description: 'false: paused; chat answers 409 chatbot_inactive.' }),
  model_settings: ModelSettingsSchema,
  retrieval_settings: RetrievalSettingsSchema,
  widget_settings: WidgetSettingsSchema,
  handoff_settings: HandoffSettingsSchema,
  lead_settings: LeadSettingsSchema,
  identity_verification: Type.Boolean({
    description: 'true: the bot has an identity secret; the widget verifies signed visitor identities.',
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CreateChatbotBody = Type.Object(
  {
    name: Name,
    slug: Type.Optional(Slug),
    system_prompt: Type.Optional(SystemPrompt),
    fallback_message: Type.Optional(FallbackMessage),
    is_active: Type.Optional(Type.Boolean()),
    model_settings: Type.Optional(ModelSettingsPatch),
    retrieval_settings: Type.Optional(RetrievalSettingsPatch),
    widget_settings: Type.Optional(WidgetSettingsPatch),
    handoff_settings: Type.Optional(HandoffSettingsPatch),
    lead_settings: Type.Optional(LeadSettingsPatch),
  },
  { additionalProperties: false },
);

/** Every field of the create body, all optional; at least one must be sent. */
export const UpdateChatbotBody = Type.Partial(CreateChatbotBody, {
  additionalProperties: false,
  minProperties: 1,
});

export function presentChatbot(row: ChatbotRow, provider: (typeof PROVIDER_NAMES)[number]) {
  return {
    id: encodeId('bot', row.id),
    name: row.name,
    slug: row.slug,
    provider,
    system_prompt: row.systemPrompt,
    fallback_message: row.fallbackMessage,
    is_active: row.isActive,
    model_settings: row.modelSettings,
    retrieval_settings: row.retrievalSettings,
    widget_settings: row.widgetSettings,
    handoff_settings: row.handoffSettings,
    lead_settings: row.leadSettings,
    identity_verification: row.identitySecret !== null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

// Chatbot settings: their schemas, defaults, and how a partial update merges into them.
import { Type } from 'typebox';
import type { ModelSettings, RetrievalSettings, WidgetSettings } from '../../db/schema.ts';
import { NOT_BLANK } from '../../http/schemas.ts';
import { TEXT_SEARCH_LANGUAGES } from '../../lib/text-search.ts';

const HexColor = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'A colour as #RRGGBB.' });
/** An origin as the browser sends it: scheme, host and optional port, no path. `*.` allows subdomains. */
const Origin = Type.String({
  pattern: '^https?://(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$',
  maxLength: 255,
  description: 'e.g. https://www.example.com, https://*.example.com or http://localhost:3000',
});

export const ModelSettingsSchema = Type.Object(
  {
    temperature: Type.Number({ minimum: 0, maximum: 2 }),
    max_output_tokens: Type.Integer({ minimum: 16, maximum: 8192 }),
  },
  { additionalProperties: false },
);

export const RetrievalSettingsSchema = Type.Object(
  {
    top_k: Type.Integer({ minimum: 1, maximum: 20 }),
    min_relevance: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'Passages scoring below this (0–1) are not used.',
    }),
    language: Type.Enum(TEXT_SEARCH_LANGUAGES, {
      description: 'Language of the knowledge, for stemming in full-text search.',
    }),
  },
  { additionalProperties: false },
);

export const WidgetSettingsSchema = Type.Object(
  {
    allowed_origins: Type.Array(Origin, {
      maxItems: 50,
      description: 'Sites that may embed the widget. Empty: nobody can, until set.',
    }),
    title: Type.String({ minLength: 1, maxLength: 100, pattern: NOT_BLANK }),
    greeting: Type.String({ maxLength: 500 }),
    starter_questions: Type.Array(Type.String({ minLength: 1, maxLength: 150, pattern: NOT_BLANK }), {
      maxItems: 6,
    }),
    position: Type.Union([Type.Literal('bottom-right'), Type.Literal('bottom-left')]),
    colors: Type.Object(
      { primary: HexColor, background: HexColor, text: HexColor },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const HandoffSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Hand conversations to a human by request or after fallbacks.' }),
    phrases: Type.Array(Type.String({ minLength: 2, maxLength: 100 }), {
      maxItems: 50,
      description: 'A visitor message containing one of these (any case) asks for a human.',
    }),
    after_fallbacks: Type.Integer({
      minimum: 0,
      maximum: 20,
      description: 'Fallback replies in a row that hand the conversation over; 0: never.',
    }),
    message: Type.String({
      minLength: 1,
      maxLength: 1000,
      pattern: NOT_BLANK,
      description: 'Told to the visitor at handoff.',
    }),
  },
  { additionalProperties: false },
);

export const LeadSettingsSchema = Type.Object(
  {
    capture_from_chat: Type.Boolean({
      description:
        'An email address or a phone number (in international format) written in chat becomes a lead, and so does the sender’s address or number on a messaging channel (email, WhatsApp).',
    }),
    ask_in_widget: Type.Boolean({
      description: 'The widget asks for contact details (see `widget_contact`) and a name before chatting.',
    }),
    widget_contact: Type.Union(
      [Type.Literal('email'), Type.Literal('phone'), Type.Literal('email_or_phone')],
      {
        description:
          'What the widget’s form asks for: `email`, `phone` (a mobile or landline number), or `email_or_phone` (either, or both). Default `email`.',
      },
    ),
  },
  { additionalProperties: false },
);

/** The same objects with every field optional, for create and PATCH. */
export const ModelSettingsPatch = Type.Partial(ModelSettingsSchema, { additionalProperties: false });
export const RetrievalSettingsPatch = Type.Partial(RetrievalSettingsSchema, { additionalProperties: false });
export const HandoffSettingsPatch = Type.Partial(HandoffSettingsSchema, { additionalProperties: false });
export const LeadSettingsPatch = Type.Partial(LeadSettingsSchema, { additionalProperties: false });
export const WidgetSettingsPatch = Type.Object(
  {
    ...Type.Partial(WidgetSettingsSchema).properties,
    colors: Type.Optional(
      Type.Partial(WidgetSettingsSchema.properties.colors, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export type WidgetSettingsInput = Partial<Omit<WidgetSettings, 'colors'>> & {
  colors?: Partial<WidgetSettings['colors']>;
};

export const DEFAULT_MODEL_SETTINGS: ModelSettings = { temperature: 0.2, max_output_tokens: 800 };
export const DEFAULT_RETRIEVAL_SETTINGS: RetrievalSettings = {
  top_k: 6,
  min_relevance: 0.1,
  language: 'english',
};

export function defaultWidgetSettings(name: string): WidgetSettings {
  return {
    allowed_origins: [],
    title: name.slice(0, 100),
    greeting: 'Hi! How can I help you today?',
    starter_questions: [],
    position: 'bottom-right',
    colors: { primary: '#4F46E5', background: '#FFFFFF', text: '#111827' },
  };
}

export function defaultSystemPrompt(name: string): string {
  return `You are ${name}, a friendly customer-support assistant. Answer from the knowledge you are given, briefly and clearly.`;
}

export const DEFAULT_FALLBACK_MESSAGE =
  "I'm sorry, I don't have enough information to answer that. Could you rephrase your question, or ask to talk to a person?";

export function mergeWidget(current: WidgetSettings, patch: WidgetSettingsInput | undefined): WidgetSettings {
  if (!patch) return current;
  return { ...current, ...patch, colors: { ...current.colors, ...patch.colors } };
}

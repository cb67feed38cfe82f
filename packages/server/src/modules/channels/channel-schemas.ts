// API schemas of messaging channels and their deliveries, and their wire presentation.
import { type TSchema, Type } from 'typebox';
import { NOT_BLANK, Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import { EVENT_RETENTION_DAYS } from '../events/event-schemas.ts';
import { type CreateChannelInput, hookPath } from './channel-connect.ts';
import type { ChannelRow, DeliveryRow } from './channel-repository.ts';

/** The platforms a channel can be created for: only those that work end to end. */
export const CHANNEL_TYPES = ['telegram', 'slack', 'whatsapp', 'custom', 'email'] as const;

/** How long a channel's deliveries are kept: as long as the event log keeps events. */
export const CHANNEL_EVENT_RETENTION_DAYS = EVENT_RETENTION_DAYS;

const Secret = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 500,
    description: `${description} Write-only: encrypted at rest, never returned.`,
  });
const TelegramBotToken = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[0-9]+:[A-Za-z0-9_-]+$',
  examples: ['123456789:AAExampleExampleExampleExampleExample'],
  description: "Telegram: the bot's token from BotFather. Write-only: encrypted at rest, never returned.",
});
const SlackBotToken = Type.String({
  minLength: 6,
  maxLength: 500,
  pattern: '^xoxb-',
  examples: ['xoxb-1111-2222-Example'],
  description: 'Slack: the Bot User OAuth Token (xoxb-…). Write-only: encrypted at rest, never returned.',
});
const SigningSecret = Secret("Slack: the app's Signing Secret (Basic Information).");
const AccessToken = Secret('WhatsApp: a system user access token with whatsapp_business_messaging.');
const AppSecret = Secret("WhatsApp: the Meta app's App Secret (signs every webhook POST).");
const VerifyToken = Secret("WhatsApp: a string you make up and also type into Meta's webhook settings.");
const PhoneNumberId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[0-9]+$',
  description: "WhatsApp: the business phone number's id (WhatsApp → API Setup).",
});
const Template = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 512, pattern: '^[a-z0-9_]+$' }),
    language: Type.String({ minLength: 2, maxLength: 15, examples: ['en_US'] }),
  },
  {
    additionalProperties: false,
    description:
      "WhatsApp: an approved template with one body variable ({{1}}), sent with the message in it when the customer's 24-hour window is closed. Without one, free text outside the window is refused.",
  },
);
const CustomUrl = Type.String({
  format: 'uri',
  pattern: '^https?://',
  maxLength: 2000,
  description: 'Custom: where replies are POSTed, signed with Standard Webhooks.',
});
const CustomSecret = Type.String({
  minLength: 30,
  maxLength: 200,
  pattern: '^whsec_',
  description:
    'Custom: the Standard Webhooks secret (whsec_…) both sides sign with. Made by Parley and returned once when not given.',
});
const EmailAddress = Type.String({
  format: 'email',
  maxLength: 320,
  description: 'Email: the support address people write to; replies come from it.',
});
const EmailProvider = Type.Union([Type.Literal('mailgun'), Type.Literal('postmark')], {
  description: 'Email: the provider that posts inbound mail to Parley.',
});
const SmtpHost = Type.String({
  minLength: 1,
  maxLength: 253,
  description: 'Email: the SMTP server replies go through.',
});
const SmtpPort = Type.Integer({ minimum: 1, maximum: 65535, examples: [587] });
const SmtpSecure = Type.Boolean({
  description: 'Email: TLS from the start (port 465); otherwise STARTTLS when offered.',
});
const SmtpUsername = Type.String({ minLength: 1, maxLength: 320 });
const SmtpPassword = Secret('Email: the SMTP password.');
const MailgunKey = Secret('Email (Mailgun): the HTTP webhook signing key (Sending → Webhooks).');
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: NOT_BLANK });

export const ChannelResponse = Type.Object({
  id: Type.String({ examples: ['ch_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  chatbot_id: Type.String(),
  type: Type.Enum(CHANNEL_TYPES),
  name: Nullable(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('disconnected'), Type.Literal('disabled')], {
    description:
      '`disconnected`: the platform refused the credentials (see `last_error`); `disabled`: turned off by you.',
  }),
  last_error: Nullable(Type.String()),
  mode: Type.Union([Type.Literal('webhook'), Type.Literal('polling')], {
    description:
      'Telegram: `webhook` when PARLEY_PUBLIC_URL is set (the platform calls Parley), `polling` otherwise. Other platforms: always `webhook`.',
  }),
  webhook_url: Nullable(
    Type.String({
      description:
        "The URL to give the platform (Slack's Request URL, WhatsApp's Callback URL, a custom sender's target); null while PARLEY_PUBLIC_URL is unset.",
    }),
  ),
  bot_token_set: Type.Boolean({ description: "Whether the platform's token (bot or access token) is set." }),
  credentials: Type.Record(Type.String(), Type.Boolean(), {
    description: "Each of the type's write-only credentials, and whether it is set.",
  }),
  settings: Type.Object(
    {
      phone_number_id: Type.Optional(Type.String()),
      template: Type.Optional(Nullable(Type.Object({ name: Type.String(), language: Type.String() }))),
      url: Type.Optional(Type.String()),
      address: Type.Optional(Type.String()),
      provider: Type.Optional(Type.String()),
      smtp_host: Type.Optional(Type.String()),
      smtp_port: Type.Optional(Type.Integer()),
      smtp_secure: Type.Optional(Type.Boolean()),
      smtp_username: Type.Optional(Nullable(Type.String())),
    },
    {
      description:
        'WhatsApp: phone_number_id, template. Custom: url. Email: address, provider, smtp_host, smtp_port, smtp_secure, smtp_username.',
    },
  ),
  account: Type.Object({
    id: Nullable(Type.String()),
    username: Nullable(Type.String()),
  }),
  last_checked_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CreatedChannelResponse = Type.Object({
  ...ChannelResponse.properties,
  secret: Type.Optional(
    Type.String({ description: 'Custom channels whose secret Parley made: the secret, shown this once.' }),
  ),
});

const variant = (type: string, properties: Record<string, TSchema>) =>
  Type.Object(
    { type: Type.Literal(type), name: Type.Optional(Name), ...properties },
    { additionalProperties: false },
  );

/** Discriminated by `type`, so that a bad request is reported against the platform it meant. */
export const CreateChannelBody = Type.Unsafe<CreateChannelInput>({
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    variant('telegram', { bot_token: TelegramBotToken }),
    variant('slack', { bot_token: SlackBotToken, signing_secret: SigningSecret }),
    variant('whatsapp', {
      access_token: AccessToken,
      app_secret: AppSecret,
      verify_token: VerifyToken,
      phone_number_id: PhoneNumberId,
      template: Type.Optional(Template),
    }),
    variant('custom', { url: CustomUrl, secret: Type.Optional(CustomSecret) }),
    variant('email', {
      address: EmailAddress,
      provider: EmailProvider,
      smtp_host: SmtpHost,
      smtp_port: SmtpPort,
      smtp_secure: Type.Optional(SmtpSecure),
      smtp_username: Type.Optional(SmtpUsername),
      smtp_password: Type.Optional(SmtpPassword),
      mailgun_signing_key: Type.Optional(MailgunKey),
    }),
  ],
  description: 'One of: telegram, slack, whatsapp, custom; each with its own credentials.',
});

export const UpdateChannelBody = Type.Object(
  {
    name: Type.Optional(Nullable(Name)),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
    bot_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description: 'Telegram: a token from BotFather; Slack: a bot token (xoxb-…). Write-only.',
      }),
    ),
    signing_secret: Type.Optional(SigningSecret),
    access_token: Type.Optional(AccessToken),
    app_secret: Type.Optional(AppSecret),
    verify_token: Type.Optional(VerifyToken),
    phone_number_id: Type.Optional(PhoneNumberId),
    template: Type.Optional(Nullable(Template)),
    url: Type.Optional(CustomUrl),
    secret: Type.Optional(CustomSecret),
    address: Type.Optional(EmailAddress),
    provider: Type.Optional(EmailProvider),
    smtp_host: Type.Optional(SmtpHost),
    smtp_port: Type.Optional(SmtpPort),
    smtp_secure: Type.Optional(SmtpSecure),
    smtp_username: Type.Optional(Nullable(SmtpUsername)),
    smtp_password: Type.Optional(SmtpPassword),
    mailgun_signing_key: Type.Optional(MailgunKey),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description:
      "Only the fields of the channel's type. New credentials are checked with the platform first.",
  },
);

export const ChannelTestResponse = Type.Object({
  ok: Type.Boolean(),
  error: Nullable(Type.String()),
});

export const DeliveryResponse = Type.Object({
  id: Type.String({ examples: ['chd_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  channel_id: Type.String(),
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  status: Type.Enum(['pending', 'processed', 'sent', 'ignored', 'failed'] as const, {
    description:
      'inbound: `pending` → `processed` (or `ignored`: nothing to answer); outbound: `pending` → `sent`; `failed` with `error`.',
  }),
  platform_message_id: Nullable(Type.String()),
  conversation_id: Nullable(Type.String()),
  message_id: Nullable(Type.String()),
  attempts: Type.Integer(),
  error: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const HookParams = Type.Object({ id: Type.String() });
export const TelegramUpdateBody = Type.Object(
  { update_id: Type.Integer({ minimum: 0 }) },
  { additionalProperties: true, description: 'A Telegram Update object.' },
);
export const SlackEventBody = Type.Object(
  { type: Type.String() },
  { additionalProperties: true, description: 'An Events API request: url_verification or event_callback.' },
);
export const WhatsAppVerifyQuery = Type.Object(
  {
    'hub.mode': Type.Optional(Type.String()),
    'hub.verify_token': Type.Optional(Type.String()),
    'hub.challenge': Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export const WhatsAppWebhookBody = Type.Object(
  { object: Type.Optional(Type.String()) },
  { additionalProperties: true, description: 'A WhatsApp Business Account webhook notification.' },
);
export const CustomMessageBody = Type.Object(
  {
    thread_id: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Your id of the conversation (a user, a ticket): replies carry it back.',
    }),
    text: Type.String({ minLength: 1, maxLength: 100_000 }),
    user: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.String({ maxLength: 200 })),
          name: Type.Optional(Type.String({ maxLength: 200 })),
          email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: true },
);

/** An email channel's settings as shown: everything but secrets, which are not settings. */
function emailSettings(settings: Record<string, unknown>) {
  const { address, provider, smtp_host, smtp_port, smtp_secure, smtp_username } = settings as Record<
    string,
    never
  >;
  return { address, provider, smtp_host, smtp_port, smtp_secure, smtp_username };
}

/** Each type's write-only credentials, by the column that holds them. */
const CREDENTIALS = {
  telegram: { bot_token: 'botTokenSealed' },
  slack: { bot_token: 'botTokenSealed', signing_secret: 'webhookSecretSealed' },
  whatsapp: {
    access_token: 'botTokenSealed',
    app_secret: 'webhookSecretSealed',
    verify_token: 'verifyTokenSealed',
  },
  custom: { secret: 'webhookSecretSealed' },
  email: { smtp_password: 'botTokenSealed', inbound_secret: 'webhookSecretSealed' },
} as const;

/** A channel as the API shows it; `publicUrl` (PARLEY_PUBLIC_URL) makes its webhook URL. */
export function presentChannel(row: ChannelRow, publicUrl: string | null = null) {
  const account = row.account as { id?: unknown; username?: unknown };
  const settings = row.settings as {
    phone_number_id?: string;
    template?: { name: string; language: string };
    url?: string;
  };
  const credentials = Object.fromEntries(
    Object.entries(CREDENTIALS[row.type]).map(([name, column]) => [
      name,
      row[column as keyof ChannelRow] !== null,
    ]),
  );
  return {
    id: encodeId('ch', row.id),
    chatbot_id: encodeId('bot', row.chatbotId),
    type: row.type,
    name: row.name,
    status: row.status,
    last_error: row.lastError,
    mode: row.mode,
    webhook_url: publicUrl && row.mode === 'webhook' ? `${publicUrl}${hookPath(row.type, row.id)}` : null,
    bot_token_set: row.botTokenSealed !== null,
    credentials,
    settings: {
      ...(settings.phone_number_id ? { phone_number_id: settings.phone_number_id } : {}),
      ...(row.type === 'whatsapp' ? { template: settings.template ?? null } : {}),
      ...(settings.url ? { url: settings.url } : {}),
      ...(row.type === 'email' ? emailSettings(row.settings) : {}),
    },
    account: {
      id: account.id === undefined ? null : String(account.id),
      username: typeof account.username === 'string' ? account.username : null,
    },
    last_checked_at: row.lastCheckedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function presentDelivery(row: DeliveryRow) {
  return {
    id: encodeId('chd', row.id),
    channel_id: encodeId('ch', row.channelId),
    direction: row.direction,
    status: row.status,
    platform_message_id: row.platformMessageId,
    conversation_id: row.conversationId ? encodeId('conv', row.conversationId) : null,
    message_id: row.messageId ? encodeId('msg', row.messageId) : null,
    attempts: row.attempts,
    error: row.error,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const EmailInboundBody = Type.Object(
  {},
  {
    additionalProperties: true,
    description: "Mailgun's parsed message (form fields) or Postmark's inbound JSON.",
  },
);

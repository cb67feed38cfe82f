// What connecting (or re-keying) a channel means on each platform: the real call that proves the
// credentials (Telegram getMe and setWebhook, Slack auth.test, WhatsApp reading the phone number),
// and the sealed credentials, settings and account to store. A platform's refusal stores nothing.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { AppError } from '../../lib/errors.ts';
import { encodeId } from '../../lib/ids.ts';
import { isPublicAddress } from '../../lib/safe-fetch.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import { generateWebhookSecret } from '../webhooks/webhook-signing.ts';
import type { ChannelType } from './channel-messages.ts';
import type { ChannelRow } from './channel-repository.ts';
import type { EmailSettings, Mailer } from './email.ts';
import { asPlatformError } from './platform-error.ts';
import type { SlackClient } from './slack.ts';
import type { TelegramClient } from './telegram.ts';
import type { WhatsAppClient, WhatsAppTemplate } from './whatsapp.ts';

/** Whether every address of the host is public (an SMTP host is a tenant's choice). */
async function publicHost(host: string): Promise<boolean> {
  try {
    const addresses = await lookup(host, { all: true });
    return addresses.length > 0 && addresses.every((entry) => isPublicAddress(entry.address));
  } catch {
    return false;
  }
}

/** Every field a channel can be created or changed with; which apply depends on its type. */
export interface ChannelCredentials {
  bot_token?: string;
  signing_secret?: string;
  access_token?: string;
  app_secret?: string;
  verify_token?: string;
  phone_number_id?: string;
  template?: WhatsAppTemplate | null;
  url?: string;
  secret?: string;
  address?: string;
  provider?: 'mailgun' | 'postmark';
  smtp_host?: string;
  smtp_port?: number;
  smtp_secure?: boolean;
  smtp_username?: string | null;
  smtp_password?: string;
  mailgun_signing_key?: string;
}

export type CreateChannelInput = ChannelCredentials & { type: ChannelType; name?: string };

/** The fields each type takes, the required ones first. */
const FIELDS: Record<
  ChannelType,
  { required: (keyof ChannelCredentials)[]; optional: (keyof ChannelCredentials)[] }
> = {
  telegram: { required: ['bot_token'], optional: [] },
  slack: { required: ['bot_token', 'signing_secret'], optional: [] },
  whatsapp: {
    required: ['access_token', 'app_secret', 'verify_token', 'phone_number_id'],
    optional: ['template'],
  },
  custom: { required: ['url'], optional: ['secret'] },
  email: {
    required: ['address', 'provider', 'smtp_host', 'smtp_port'],
    optional: ['smtp_secure', 'smtp_username', 'smtp_password', 'mailgun_signing_key'],
  },
};

/** The credential that a platform's refusal is about, for the error's `param`. */
const TOKEN_FIELD: Record<ChannelType, string> = {
  telegram: 'bot_token',
  slack: 'bot_token',
  whatsapp: 'access_token',
  custom: 'url',
  email: 'smtp_password',
};

const TELEGRAM_TOKEN = /^[0-9]+:[A-Za-z0-9_-]+$/;

/** Refuses fields of another platform and, on creation, missing ones: each with its name. */
export function checkFields(type: ChannelType, input: ChannelCredentials, creating: boolean): void {
  const { required, optional } = FIELDS[type];
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (
      !required.includes(field as keyof ChannelCredentials) &&
      !optional.includes(field as keyof ChannelCredentials)
    ) {
      throw AppError.invalid('invalid_parameter', `A ${type} channel has no field '${field}'.`, field);
    }
  }
  if (creating) {
    const missing = required.find((field) => input[field] === undefined);
    if (missing) {
      throw AppError.invalid('missing_parameter', `A ${type} channel needs the field '${missing}'.`, missing);
    }
  }
  if (type === 'telegram' && input.bot_token !== undefined && !TELEGRAM_TOKEN.test(input.bot_token)) {
    throw AppError.invalid(
      'invalid_parameter',
      "The field 'bot_token' is not a Telegram bot token.",
      'bot_token',
    );
  }
  if (type === 'slack' && input.bot_token !== undefined && !input.bot_token.startsWith('xoxb-')) {
    throw AppError.invalid(
      'invalid_parameter',
      "The field 'bot_token' must be a Slack bot token (xoxb-…).",
      'bot_token',
    );
  }
  if (type === 'email' && creating && input.provider === 'mailgun' && !input.mailgun_signing_key) {
    throw AppError.invalid(
      'missing_parameter',
      "A Mailgun email channel needs the field 'mailgun_signing_key'.",
      'mailgun_signing_key',
    );
  }
  if (type === 'custom' && input.secret !== undefined && !/^whsec_[A-Za-z0-9+/=]{24,}$/.test(input.secret)) {
    throw AppError.invalid(
      'invalid_parameter',
      "The field 'secret' must be a Standard Webhooks secret (whsec_ and base64).",
      'secret',
    );
  }
}

export function connectionError(type: ChannelType, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const failure = asPlatformError(error, type);
  if (failure.credentialsRejected) {
    return AppError.invalid(
      'channel_credentials_rejected',
      `${failure.message} (the ${TOKEN_FIELD[type].replace('_', ' ')} was refused).`,
      TOKEN_FIELD[type],
    );
  }
  return new AppError('provider_error', 'channel_platform_unavailable', failure.message);
}

export function createChannelConnector(deps: {
  secretBox: SecretBox;
  telegram: TelegramClient;
  slack: SlackClient;
  whatsapp: WhatsAppClient;
  mailer: Mailer;
  publicUrl: string | null;
  allowPrivateNetwork: boolean;
}) {
  const { secretBox } = deps;
  const seal = (value: string) => secretBox.encrypt(value);
  const open = (sealed: string | null) => (sealed ? secretBox.decrypt(sealed) : undefined);

  /** The webhook with a fresh secret (public URL set), or none, so that getUpdates works. */
  async function registerTelegram(id: string, token: string) {
    if (!deps.publicUrl) {
      await deps.telegram.deleteWebhook(token);
      return { mode: 'polling' as const, webhookSecretSealed: null };
    }
    const secret = randomBytes(32).toString('base64url');
    await deps.telegram.setWebhook(token, `${deps.publicUrl}${hookPath('telegram', id)}`, secret);
    return { mode: 'webhook' as const, webhookSecretSealed: seal(secret) };
  }

  /**
   * An email channel: the SMTP server must take the credentials (connect and authenticate);
   * Postmark's basic-auth password is made by Parley and shown once.
   */
  async function connectEmail(input: ChannelCredentials, current: Record<string, unknown>, row?: ChannelRow) {
    const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
    const settings: EmailSettings = {
      address: String(defined.address ?? current.address).toLowerCase(),
      provider: (defined.provider ?? current.provider) as EmailSettings['provider'],
      smtp_host: String(defined.smtp_host ?? current.smtp_host),
      smtp_port: Number(defined.smtp_port ?? current.smtp_port),
      smtp_secure: Boolean(defined.smtp_secure ?? current.smtp_secure ?? false),
      smtp_username: (defined.smtp_username ?? current.smtp_username ?? null) as string | null,
    };
    if (!deps.allowPrivateNetwork && !(await publicHost(settings.smtp_host))) {
      throw AppError.invalid(
        'invalid_parameter',
        "The field 'smtp_host' names a private or unknown address (set PARLEY_ALLOW_PRIVATE_NETWORK to allow it).",
        'smtp_host',
      );
    }
    const password = input.smtp_password ?? open(row?.botTokenSealed ?? null) ?? null;
    await deps.mailer.verify(settings, password);
    const made =
      settings.provider === 'postmark' && !row?.webhookSecretSealed
        ? randomBytes(24).toString('base64url')
        : null;
    const inboundSecret = input.mailgun_signing_key ?? made;
    return {
      row: {
        mode: 'webhook' as const,
        ...(password ? { botTokenSealed: seal(password) } : {}),
        ...(inboundSecret ? { webhookSecretSealed: seal(inboundSecret) } : {}),
        settings: { ...settings },
        account: { id: settings.address, username: settings.address },
        lastCheckedAt: new Date(),
        lastError: null,
      },
      secret: made,
    };
  }

  return {
    registerTelegram,

    /**
     * The columns to store for these credentials (merged over the channel's current ones when
     * changing it), after the platform accepted them; `secret` is a custom channel's secret when
     * Parley generated it, to be shown once.
     */
    async connect(type: ChannelType, id: string, input: ChannelCredentials, current?: ChannelRow) {
      const checked = { lastCheckedAt: new Date(), lastError: null };
      const settings = { ...(current?.settings ?? {}) } as Record<string, unknown>;
      switch (type) {
        case 'telegram': {
          const token = input.bot_token!;
          const me = await deps.telegram.getMe(token);
          const delivery = await registerTelegram(id, token);
          return {
            row: {
              botTokenSealed: seal(token),
              ...delivery,
              account: { id: me.id, username: me.username ?? null },
              ...checked,
            },
            secret: null,
          };
        }
        case 'slack': {
          const token = input.bot_token ?? open(current?.botTokenSealed ?? null)!;
          const auth = await deps.slack.authTest(token);
          return {
            row: {
              botTokenSealed: seal(token),
              mode: 'webhook' as const,
              ...(input.signing_secret ? { webhookSecretSealed: seal(input.signing_secret) } : {}),
              account: {
                id: auth.user_id,
                username: auth.user ?? null,
                team_id: auth.team_id,
                team: auth.team ?? null,
              },
              ...checked,
            },
            secret: null,
          };
        }
        case 'whatsapp': {
          const token = input.access_token ?? open(current?.botTokenSealed ?? null)!;
          const phoneNumberId = input.phone_number_id ?? String(settings.phone_number_id);
          const phone = await deps.whatsapp.phoneNumber(token, phoneNumberId);
          if (input.template !== undefined) settings.template = input.template ?? undefined;
          return {
            row: {
              botTokenSealed: seal(token),
              mode: 'webhook' as const,
              ...(input.app_secret ? { webhookSecretSealed: seal(input.app_secret) } : {}),
              ...(input.verify_token ? { verifyTokenSealed: seal(input.verify_token) } : {}),
              settings: { ...settings, phone_number_id: phoneNumberId },
              account: {
                id: phone.id,
                username: phone.display_phone_number ?? null,
                name: phone.verified_name ?? null,
              },
              ...checked,
            },
            secret: null,
          };
        }
        case 'custom': {
          // Parley makes the secret unless one is given; a made one is shown once.
          const made = !input.secret && !current ? generateWebhookSecret() : null;
          const secret = input.secret ?? made;
          return {
            row: {
              mode: 'webhook' as const,
              ...(secret ? { webhookSecretSealed: seal(secret) } : {}),
              settings: { ...settings, ...(input.url ? { url: input.url } : {}) },
              ...checked,
            },
            secret: made,
          };
        }
        case 'email':
          return connectEmail(input, settings, current);
      }
    },
  };
}

/** Where a channel's platform delivers to, under the public URL. */
export function hookPath(type: ChannelType, id: string): string {
  const wireId = encodeId('ch', id);
  return type === 'custom' ? `/hooks/channels/${wireId}` : `/hooks/channels/${wireId}/${type}`;
}

export type ChannelConnector = ReturnType<typeof createChannelConnector>;

// Channels: a chatbot connected to a messaging platform. Credentials are sealed at rest and never
// leave; every platform call is real, and only the platform refusing the credentials changes the
// status (disconnected, announced once, with the reason; reconnected when they work again).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, encodeId, newUuid } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import { recordEvent } from '../events/event-outbox.ts';
import type { ChannelRow } from './channel-repository.ts';
import * as repo from './channel-repository.ts';
import { presentChannel } from './channel-schemas.ts';
import { type TelegramClient, TelegramError } from './telegram.ts';

export interface ChannelInput {
  name?: string | null;
  bot_token?: string;
  status?: 'active' | 'disabled';
}

function platformError(error: unknown): AppError {
  if (error instanceof TelegramError && error.credentialsRejected) {
    return AppError.invalid(
      'channel_credentials_rejected',
      `${error.message} (the bot token was refused).`,
      'bot_token',
    );
  }
  const message = error instanceof TelegramError ? error.message : 'Telegram could not be reached.';
  return new AppError('provider_error', 'channel_platform_unavailable', message);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function createChannelService(deps: {
  db: Database;
  secretBox: SecretBox;
  chatbots: ChatbotService;
  telegram: TelegramClient;
  jobs: JobSender;
  publicUrl: string | null;
}) {
  const { db, telegram } = deps;

  const hookUrl = (id: string) => `${deps.publicUrl}/hooks/channels/${encodeId('ch', id)}/telegram`;
  const tokenOf = (row: ChannelRow) => deps.secretBox.decrypt(row.botTokenSealed!);
  const scopeOf = (row: ChannelRow): Scope => ({
    workspaceId: row.workspaceId,
    environment: row.environment,
  });

  async function get(scope: Scope, id: string): Promise<ChannelRow> {
    const row = await repo.findChannel(db.orm, scope, id);
    if (!row) throw AppError.notFound('channel', encodeId('ch', id));
    await deps.chatbots.assertExists(scope, row.chatbotId);
    return row;
  }

  /**
   * Registers how updates reach Parley: the webhook (with a fresh secret) when a public URL is
   * set, else no webhook, so that the worker can poll. Returns the stored fields for that mode.
   */
  async function connect(id: string, token: string) {
    const me = await telegram.getMe(token).catch((error) => {
      throw platformError(error);
    });
    const delivery = await register(id, token).catch((error) => {
      throw platformError(error);
    });
    return {
      botTokenSealed: deps.secretBox.encrypt(token),
      ...delivery,
      account: { id: me.id, username: me.username ?? null },
      lastCheckedAt: new Date(),
    };
  }

  /** The webhook with a fresh secret (public URL set), or none, so that getUpdates works. */
  async function register(id: string, token: string) {
    if (!deps.publicUrl) {
      await telegram.deleteWebhook(token);
      return { mode: 'polling' as const, webhookSecretSealed: null };
    }
    const secret = randomBytes(32).toString('base64url');
    await telegram.setWebhook(token, hookUrl(id), secret);
    return { mode: 'webhook' as const, webhookSecretSealed: deps.secretBox.encrypt(secret) };
  }

  /**
   * Records what a real platform call said. Credentials refused: an active channel becomes
   * disconnected (channel.disconnected, once). Success: a disconnected one is active again
   * (channel.reconnected). Anything else is only noted in last_error.
   */
  async function recordOutcome(row: ChannelRow, failure: TelegramError | null): Promise<ChannelRow> {
    const scope = scopeOf(row);
    return db.orm.transaction(async (tx) => {
      const current = await repo.lockChannel(tx, scope, row.id);
      if (!current) return row;
      const rejected = failure?.credentialsRejected ?? false;
      const disconnecting = rejected && current.status === 'active';
      const reconnecting = !failure && current.status === 'disconnected';
      const updated = (await repo.updateChannel(tx, scope, row.id, {
        lastCheckedAt: new Date(),
        lastError: failure?.message ?? null,
        ...(disconnecting ? { status: 'disconnected' as const } : {}),
        ...(reconnecting ? { status: 'active' as const } : {}),
      }))!;
      if (disconnecting) {
        await recordEvent(tx, scope, 'channel.disconnected', {
          ...presentChannel(updated),
          reason: failure!.message,
        });
      }
      if (reconnecting) await recordEvent(tx, scope, 'channel.reconnected', presentChannel(updated));
      return updated;
    });
  }

  return {
    get,
    recordOutcome,
    tokenOf,
    scopeOf,
    /** How updates should arrive with this server's settings. */
    wantedMode: deps.publicUrl ? ('webhook' as const) : ('polling' as const),

    /**
     * Moves a channel connected under other settings to the wanted mode: PARLEY_PUBLIC_URL set
     * since (webhook from now on), or unset (polling). Throws the platform's TelegramError.
     */
    async adoptMode(row: ChannelRow): Promise<void> {
      const delivery = await register(row.id, tokenOf(row));
      await repo.updateChannel(db.orm, scopeOf(row), row.id, delivery);
    },

    async create(
      scope: Scope,
      chatbotId: string,
      input: { type: 'telegram'; bot_token: string; name?: string },
    ) {
      await deps.chatbots.assertExists(scope, chatbotId);
      const id = newUuid();
      // Every platform call comes first: a token Telegram refuses stores nothing.
      const connection = await connect(id, input.bot_token);
      return db.orm.transaction(async (tx) => {
        const row = await repo.insertChannel(tx, {
          id,
          workspaceId: scope.workspaceId,
          environment: scope.environment,
          chatbotId,
          type: input.type,
          name: input.name ?? null,
          ...connection,
        });
        await recordEvent(tx, scope, 'channel.connected', presentChannel(row));
        return row;
      });
    },

    async list(scope: Scope, chatbotId: string, page: { limit: number; beforeId: string | null }) {
      await deps.chatbots.assertExists(scope, chatbotId);
      return repo.listChannels(db.orm, scope, chatbotId, page);
    },

    async update(scope: Scope, id: string, input: ChannelInput): Promise<ChannelRow> {
      const current = await get(scope, id);
      const connection = input.bot_token ? await connect(id, input.bot_token) : null;
      return db.orm.transaction(async (tx) => {
        const reconnecting = connection !== null && current.status === 'disconnected';
        const updated = (await repo.updateChannel(tx, scope, id, {
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(connection ? { ...connection, lastError: null } : {}),
          ...(reconnecting ? { status: 'active' as const } : {}),
          // Enabling again clears the failure: the next call tells the truth.
          ...(input.status === undefined ? {} : { status: input.status, lastError: null }),
        }))!;
        if (reconnecting && updated.status === 'active') {
          await recordEvent(tx, scope, 'channel.reconnected', presentChannel(updated));
        }
        return updated;
      });
    },

    async remove(scope: Scope, id: string): Promise<void> {
      const row = await get(scope, id);
      // Best effort: Telegram stops calling a webhook that now answers 403 anyway.
      if (row.mode === 'webhook' && row.status !== 'disconnected') {
        await telegram.deleteWebhook(tokenOf(row)).catch(() => {});
      }
      await repo.deleteChannel(db.orm, scope, id);
    },

    /** One real call (getMe; getWebhookInfo in webhook mode), recorded like any other. */
    async test(scope: Scope, id: string): Promise<{ ok: boolean; error: string | null }> {
      const row = await get(scope, id);
      let failure: TelegramError | null = null;
      try {
        await telegram.getMe(tokenOf(row));
        if (row.mode === 'webhook') {
          const info = await telegram.getWebhookInfo(tokenOf(row));
          if (info.url !== hookUrl(row.id)) {
            failure = new TelegramError(
              409,
              `Telegram delivers this bot's updates to another URL ('${info.url}').`,
            );
          }
        }
      } catch (error) {
        failure =
          error instanceof TelegramError ? error : new TelegramError(0, 'Telegram could not be reached.');
      }
      await recordOutcome(row, failure);
      return { ok: failure === null, error: failure?.message ?? null };
    },

    /**
     * An update Telegram POSTed to the channel's webhook. Answers 403 unless the channel waits
     * for webhooks and the secret matches (compared in constant time); stores the update once
     * and acknowledges at once: a job answers it.
     */
    async receiveTelegram(wireId: string, secret: string | undefined, update: { update_id: number }) {
      const forbidden = new AppError(
        'permission_error',
        'invalid_webhook_secret',
        'The webhook secret is missing or wrong.',
      );
      const id = decodeId('ch', wireId, 'id');
      const found = await repo.findChannelById(db.orm, id);
      const channel = found?.channel;
      if (!channel?.webhookSecretSealed || channel.mode !== 'webhook' || typeof secret !== 'string')
        throw forbidden;
      const expected = deps.secretBox.decrypt(channel.webhookSecretSealed);
      if (!timingSafeEqual(digest(expected), digest(secret))) throw forbidden;
      const stored = await repo.insertInbound(db.orm, channel, String(update.update_id), update);
      if (stored)
        await deps.jobs.send('channel-work', { channelId: channel.id }, { singletonKey: channel.id });
    },
  };
}

export type ChannelService = ReturnType<typeof createChannelService>;

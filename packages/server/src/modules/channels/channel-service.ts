// Channels: a chatbot connected to a messaging platform. Credentials are sealed at rest and never
// leave; every platform call is real, and only the platform refusing the credentials changes the
// status (disconnected, announced once, with the reason; reconnected when they work again).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Database, Executor } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, encodeId, newUuid } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import { recordEvent } from '../events/event-outbox.ts';
import type { ChannelCleanup } from './channel-cleanup.ts';
import {
  type ChannelConnector,
  type ChannelCredentials,
  type CreateChannelInput,
  checkFields,
  connectionError,
  hookPath,
} from './channel-connect.ts';
import type { ChannelRow } from './channel-repository.ts';
import * as repo from './channel-repository.ts';
import { presentChannel } from './channel-schemas.ts';
import type { ChannelSender } from './channel-sender.ts';
import type { EmailSettings, Mailer } from './email.ts';
import { asPlatformError, type PlatformError } from './platform-error.ts';
import type { SlackClient } from './slack.ts';
import { type TelegramClient, TelegramError } from './telegram.ts';
import type { WhatsAppClient } from './whatsapp.ts';

export interface ChannelInput extends ChannelCredentials {
  name?: string | null;
  status?: 'active' | 'disabled';
}

/** The credential to give anew when the platform refuses a channel's. */
const NEW_CREDENTIAL: Record<ChannelRow['type'], string> = {
  telegram: 'bot_token',
  slack: 'bot_token',
  whatsapp: 'access_token',
  custom: 'secret',
  email: 'smtp_password',
};

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares a secret the platform sent with the stored one, in constant time. */
export function sameSecret(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

export function createChannelService(deps: {
  db: Database;
  secretBox: SecretBox;
  chatbots: ChatbotService;
  telegram: TelegramClient;
  slack: SlackClient;
  whatsapp: WhatsAppClient;
  mailer: Mailer;
  connector: ChannelConnector;
  sender: ChannelSender;
  cleanup: ChannelCleanup;
  jobs: JobSender;
  publicUrl: string | null;
}) {
  const { db, telegram } = deps;

  const tokenOf = (row: ChannelRow) => deps.secretBox.decrypt(row.botTokenSealed!);
  const scopeOf = (row: ChannelRow): Scope => ({
    workspaceId: row.workspaceId,
    environment: row.environment,
  });
  const present = (row: ChannelRow) => presentChannel(row, deps.publicUrl);

  async function get(scope: Scope, id: string): Promise<ChannelRow> {
    const row = await repo.findChannel(db.orm, scope, id);
    if (!row) throw AppError.notFound('channel', encodeId('ch', id));
    await deps.chatbots.assertExists(scope, row.chatbotId);
    return row;
  }

  async function connect(
    type: ChannelRow['type'],
    id: string,
    input: ChannelCredentials,
    current?: ChannelRow,
  ) {
    return deps.connector.connect(type, id, input, current).catch((error) => {
      throw connectionError(type, error);
    });
  }

  /**
   * Records what a real platform call said. Credentials refused: an active channel becomes
   * disconnected (channel.disconnected, once). Success: a disconnected one is active again
   * (channel.reconnected). Anything else is only noted in last_error.
   */
  async function recordOutcome(row: ChannelRow, failure: PlatformError | null): Promise<ChannelRow> {
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
          ...present(updated),
          reason: failure!.message,
        });
      }
      if (reconnecting) await recordEvent(tx, scope, 'channel.reconnected', present(updated));
      return updated;
    });
  }

  /** The platform's health check with the stored credentials; throws its PlatformError. */
  async function check(row: ChannelRow): Promise<void> {
    switch (row.type) {
      case 'telegram': {
        await telegram.getMe(tokenOf(row));
        if (row.mode !== 'webhook') return;
        const info = await telegram.getWebhookInfo(tokenOf(row));
        const expected = `${deps.publicUrl}${hookPath('telegram', row.id)}`;
        if (info.url !== expected) {
          throw new TelegramError(
            409,
            `Telegram delivers this bot's updates to another URL ('${info.url}').`,
          );
        }
        return;
      }
      case 'slack':
        await deps.slack.authTest(tokenOf(row));
        return;
      case 'whatsapp':
        await deps.whatsapp.phoneNumber(tokenOf(row), String(row.settings.phone_number_id));
        return;
      case 'email':
        await deps.mailer.verify(
          row.settings as unknown as EmailSettings,
          row.botTokenSealed ? tokenOf(row) : null,
        );
        return;
      case 'custom':
        // A signed ping: the receiver proves it takes the channel's secret.
        await deps.sender.ping(row);
        return;
    }
  }

  /**
   * The platform's health check before a channel is turned on with its stored credentials; its
   * outcome is noted (last_error), and a failure refuses the change: 400 when the platform
   * refuses the credentials, 502 when it cannot be reached.
   */
  async function checkStored(row: ChannelRow): Promise<void> {
    let failure: PlatformError;
    try {
      await check(row);
      return;
    } catch (error) {
      failure = asPlatformError(error, row.type);
    }
    await recordOutcome(row, failure);
    if (!failure.credentialsRejected) throw connectionError(row.type, failure);
    throw AppError.invalid(
      'channel_credentials_rejected',
      `The channel stays ${row.status}: ${failure.message.replace(/\.$/, '')}. Give new credentials (${NEW_CREDENTIAL[row.type]}) with this PATCH.`,
      'status',
    );
  }

  return {
    get,
    present,
    recordOutcome,
    tokenOf,
    /** The secret that authenticates the platform's webhook calls, or null. */
    hookSecretOf: (row: ChannelRow) =>
      row.webhookSecretSealed ? deps.secretBox.decrypt(row.webhookSecretSealed) : null,
    /** WhatsApp's verify token, or null. */
    verifyTokenOf: (row: ChannelRow) =>
      row.verifyTokenSealed ? deps.secretBox.decrypt(row.verifyTokenSealed) : null,
    scopeOf,
    /** How Telegram updates should arrive with this server's settings. */
    wantedMode: deps.publicUrl ? ('webhook' as const) : ('polling' as const),

    /**
     * Moves a Telegram channel connected under other settings to the wanted mode: PARLEY_PUBLIC_URL
     * set since (webhook from now on), or unset (polling). Throws the platform's TelegramError.
     */
    async adoptMode(row: ChannelRow): Promise<void> {
      const delivery = await deps.connector.registerTelegram(row.id, tokenOf(row));
      await repo.updateChannel(db.orm, scopeOf(row), row.id, delivery);
    },

    /**
     * Connects a chatbot to a platform. The credentials are checked with the platform first: any
     * it refuses store nothing. A custom channel's secret that Parley made is returned once.
     */
    async create(scope: Scope, chatbotId: string, input: CreateChannelInput) {
      const { type, name, ...credentials } = input;
      checkFields(type, credentials, true);
      await deps.chatbots.assertExists(scope, chatbotId);
      const id = newUuid();
      // The platform calls come first, outside any transaction and lock: they may take seconds.
      const connection = await connect(type, id, credentials);
      const values = {
        id,
        workspaceId: scope.workspaceId,
        environment: scope.environment,
        chatbotId,
        type,
        name: name ?? null,
        ...connection.row,
      };
      let removals: string[] = [];
      const row = await db.orm.transaction(async (tx) => {
        // The bot may have been deleted during the platform calls. Deleting it hides it (an
        // UPDATE) in the transaction that deletes its channels, and purges the row later: the
        // foreign key alone would take this channel for a live bot's until the purge, then fail
        // with 23503. Locking the bot's row until this insert commits makes the two serialise on
        // PostgreSQL as on PGlite: either the delete waits and then deletes this channel too, or
        // this waits for the delete and sees the bot gone.
        if (!(await deps.chatbots.lockExisting(tx, scope, chatbotId))) {
          removals = await deps.cleanup.abandon(tx, values);
          return null;
        }
        const inserted = await repo.insertChannel(tx, values);
        await recordEvent(tx, scope, 'channel.connected', present(inserted));
        return inserted;
      });
      if (!row) {
        // Whatever connecting registered at the platform (a Telegram webhook) is removed as a
        // deleted channel's is.
        await deps.cleanup.queue(removals);
        throw AppError.notFound('chatbot', encodeId('bot', chatbotId));
      }
      return Object.assign(row, { generatedSecret: connection.secret });
    },

    async list(scope: Scope, chatbotId: string, page: { limit: number; beforeId: string | null }) {
      await deps.chatbots.assertExists(scope, chatbotId);
      return repo.listChannels(db.orm, scope, chatbotId, page);
    },

    async update(scope: Scope, id: string, input: ChannelInput): Promise<ChannelRow> {
      const current = await get(scope, id);
      const { name, status, ...credentials } = input;
      checkFields(current.type, credentials, false);
      const changing = Object.values(credentials).some((value) => value !== undefined);
      const connection = changing ? await connect(current.type, id, credentials, current) : null;
      // Turning a channel on without new credentials checks the ones it has: a disconnected
      // channel whose credentials the platform still refuses stays as it is.
      const turningOn = status === 'active' && current.status !== 'active' && !changing;
      if (turningOn) await checkStored(current);
      return db.orm.transaction(async (tx) => {
        const reconnecting = (connection !== null || turningOn) && current.status === 'disconnected';
        const updated = (await repo.updateChannel(tx, scope, id, {
          ...(name === undefined ? {} : { name }),
          ...(connection ? connection.row : {}),
          ...(reconnecting ? { status: 'active' as const } : {}),
          // Enabling again clears the failure: the next call tells the truth.
          ...(status === undefined ? {} : { status, lastError: null }),
        }))!;
        if (reconnecting && updated.status === 'active') {
          await recordEvent(tx, scope, 'channel.reconnected', present(updated));
        }
        return updated;
      });
    },

    /** Deletes the channel; what it registered at the platform is removed by a job. */
    async remove(scope: Scope, id: string): Promise<void> {
      await get(scope, id);
      const removals = await db.orm.transaction(async (tx) => {
        const row = await repo.lockChannel(tx, scope, id);
        if (!row) return [];
        // Deleting is disconnecting; a channel the platform had already refused said so then.
        if (row.status === 'active') {
          await recordEvent(tx, scope, 'channel.disconnected', {
            ...present(row),
            reason: 'The channel was deleted.',
          });
        }
        return deps.cleanup.deleteChannels(tx, [row]);
      });
      await deps.cleanup.queue(removals);
    },

    /**
     * Deletes a chatbot's channels in the transaction that deletes the chatbot; the dispatch
     * tick sends the jobs that remove their registrations at the platforms once it commits.
     */
    async removeOfChatbot(tx: Executor, scope: Scope, chatbotId: string): Promise<void> {
      await deps.cleanup.deleteOfChatbot(tx, scope, chatbotId);
    },

    /** One real call (the platform's health check), recorded like any other. */
    async test(scope: Scope, id: string): Promise<{ ok: boolean; error: string | null }> {
      const row = await get(scope, id);
      let failure: PlatformError | null = null;
      try {
        await check(row);
      } catch (error) {
        failure = asPlatformError(error, row.type);
      }
      await recordOutcome(row, failure);
      return { ok: failure === null, error: failure?.message ?? null };
    },

    /**
     * Stores an inbound update once (per platform id) and queues the channel's work: the
     * platform is acknowledged at once, a job answers. False when it was already stored.
     */
    async accept(
      channel: ChannelRow,
      platformId: string,
      payload: Record<string, unknown>,
    ): Promise<boolean> {
      const stored = await repo.insertInbound(db.orm, channel, platformId, payload);
      if (stored)
        await deps.jobs.send('channel-work', { channelId: channel.id }, { singletonKey: channel.id });
      return stored;
    },

    /**
     * Claims a post's one-time token (Mailgun's) and stores its update, in one transaction: of
     * posts sharing a token only the first stores anything ('replayed' for the others), and a
     * failure to store leaves the token unclaimed, so that the provider's retry is taken.
     */
    async acceptOnce(
      channel: ChannelRow,
      token: string,
      platformId: string,
      payload: Record<string, unknown>,
    ): Promise<'stored' | 'duplicate' | 'replayed'> {
      const outcome = await db.orm.transaction(async (tx) => {
        if (!(await repo.claimInboundToken(tx, channel, token))) return 'replayed' as const;
        return (await repo.insertInbound(tx, channel, platformId, payload))
          ? ('stored' as const)
          : ('duplicate' as const);
      });
      if (outcome === 'stored')
        await deps.jobs.send('channel-work', { channelId: channel.id }, { singletonKey: channel.id });
      return outcome;
    },

    /** A channel by its id in a platform's webhook URL, or null (unknown id, or another type). */
    async hookChannel(wireId: string, type: ChannelRow['type']): Promise<ChannelRow | null> {
      let id: string;
      try {
        id = decodeId('ch', wireId, 'id');
      } catch {
        return null;
      }
      const found = await repo.findChannelById(db.orm, id);
      return found?.channel.type === type ? found.channel : null;
    },
  };
}

export type ChannelService = ReturnType<typeof createChannelService>;

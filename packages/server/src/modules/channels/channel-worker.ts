// The channel work of the job workers: answering stored inbound updates through the same chat
// service as the widget, sending replies with retries and back-off (custom channels on the
// webhooks' schedule), finding channels with work due, and long-polling Telegram for the
// Telegram channels that have no webhook.
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId } from '../../lib/ids.ts';
import type { ChatService } from '../chat/chat-service.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import type { PlanTable } from '../workspaces/plans.ts';
import { inboundTurn, replyPayload } from './channel-messages.ts';
import { parseRating, RATING_THANKS } from './channel-rating.ts';
import type { ChannelRow, DeliveryRow } from './channel-repository.ts';
import * as repo from './channel-repository.ts';
import type { ChannelSender } from './channel-sender.ts';
import type { ChannelService } from './channel-service.ts';
import { asPlatformError, PlatformError } from './platform-error.ts';
import type { TelegramClient, TelegramUpdate } from './telegram.ts';
import { createPollLocks } from './telegram-poll-lock.ts';

/** Seconds before each retry of a reply the platform could not take (5xx, no answer). */
const RETRY_DELAYS_SECONDS = [2, 10, 60, 300, 1800];
const BATCH = 20;
/**
 * What a visitor is told when their message is refused before any answer, so that the platform
 * does not go silent on them; keyed by the refusal's error code.
 */
const REFUSAL_NOTICES: Record<string, string> = {
  chatbot_inactive: 'This assistant is not answering at the moment. Please try again later.',
  monthly_message_limit_reached:
    'This assistant cannot answer more messages this month. Please try again later.',
};
/** How long a worker holds the deliveries it claimed: the channel-work job's own timeout. */
const LEASE_SECONDS = 600;
/** PARLEY_MAX_MESSAGE_CHARS's default: the longest message the chat takes. */
const DEFAULT_MAX_MESSAGE_CHARS = 4000;

/**
 * A platform's message within the chat's limit (Telegram allows 4,096 characters, Slack and
 * custom channels more): one too long is cut, visibly ("…"), rather than refused, since the
 * platform was told it arrived. Characters are counted as the chat counts them (code points).
 */
export function withinMessageLimit(
  text: string,
  limit: number,
): { text: string; originalCharacters?: number } {
  const characters = Array.from(text);
  if (characters.length <= limit) return { text };
  return {
    text: `${characters
      .slice(0, Math.max(limit - 1, 0))
      .join('')
      .trimEnd()}…`,
    originalCharacters: characters.length,
  };
}

export function createChannelWorker(deps: {
  db: Database;
  logger: Logger;
  jobs: JobSender;
  telegram: TelegramClient;
  sender: ChannelSender;
  channels: ChannelService;
  chat: Pick<ChatService, 'prepare' | 'answer'>;
  /** Records the rating a chat gives its resolved conversation, as the widget's form does. */
  conversations: Pick<ConversationService, 'rate'>;
  plans: PlanTable;
  /** The chat's message limit (PARLEY_MAX_MESSAGE_CHARS): longer platform messages are cut to it. */
  maxMessageChars?: number;
  pollTimeoutSeconds: number;
  /** Custom channels' replies are retried like webhooks. */
  webhookRetryDelaysSeconds: readonly number[];
}) {
  const { db, logger } = deps;
  const stopping = new AbortController();
  /** Whether every channel is in the mode this server's settings want (checked on the first polls). */
  let modesAdopted = false;
  /** The polling channels this worker polls: one worker per channel, as Telegram wants. */
  const pollLocks = createPollLocks(db);

  async function adoptModes(): Promise<void> {
    let failed = false;
    for (const channel of await repo.listInOtherMode(db.orm, deps.channels.wantedMode)) {
      try {
        await deps.channels.adoptMode(channel);
      } catch (error) {
        if (error instanceof PlatformError && error.credentialsRejected) {
          await deps.channels.recordOutcome(channel, error);
        } else {
          failed = true;
          logger.warn(
            { channel: encodeId('ch', channel.id), err: (error as Error).message },
            'channel mode change failed',
          );
        }
      }
    }
    modesAdopted = !failed;
  }

  async function queueReply(
    channel: ChannelRow,
    inbound: DeliveryRow,
    conversationId: string,
    message: { id: string; role?: string; content: string; sourcesUsed?: { url: string | null }[] },
  ) {
    const chatId = inboundTurn(channel, inbound.payload)!.threadKey;
    const payload = replyPayload(channel.type, chatId, { ...message, sources: message.sourcesUsed ?? [] });
    // An email answers the very email it replies to (In-Reply-To), even if more came since.
    if (channel.type === 'email') payload.in_reply_to_delivery = inbound.id;
    await repo.insertOutbound(db.orm, channel, { conversationId, messageId: message.id, payload });
  }

  /** One stored update: the chat's conversation gets the message; the bot answers unless a human has it. */
  async function answerInbound(channel: ChannelRow, plan: string, row: DeliveryRow): Promise<void> {
    // Only text from people is answered: other updates (photos, stickers, bots) are noted as ignored.
    const inbound = inboundTurn(channel, row.payload);
    if (channel.status === 'disabled' || !inbound) {
      await repo.updateDelivery(db.orm, row.id, { status: 'ignored', attempts: row.attempts + 1 });
      return;
    }
    const chatId = inbound.threadKey;
    const scope = deps.channels.scopeOf(channel);
    const limits = { messages_per_month: deps.plans[plan]?.messages_per_month ?? null };
    const thread = await repo.findThread(db.orm, channel.id, chatId);
    if (thread?.ratingAskedAt && (await takeRating(channel, row, inbound, thread.conversationId))) return;
    // Never lost for being long: cut to the limit, with a note of how long it was.
    const message = withinMessageLimit(inbound.text, deps.maxMessageChars ?? DEFAULT_MAX_MESSAGE_CHARS);
    const input = {
      message: message.text,
      visitor: inbound.visitor,
      contact: inbound.contact,
      metadata: {
        channel_id: encodeId('ch', channel.id),
        ...inbound.metadata,
        ...(message.originalCharacters
          ? { truncated: { original_characters: message.originalCharacters } }
          : {}),
      },
    };
    const prepare = (conversationId?: string) =>
      deps.chat.prepare(
        scope,
        limits,
        channel.chatbotId,
        { ...input, conversation_id: conversationId },
        channel.type,
      );
    let turn: Awaited<ReturnType<typeof prepare>>;
    try {
      turn = await prepare(thread ? encodeId('conv', thread.conversationId) : undefined).catch((error) => {
        // The chat's conversation was deleted: the chat starts a new one.
        if (thread && error instanceof AppError && error.type === 'not_found_error') return prepare();
        throw error;
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const notice = REFUSAL_NOTICES[error.code];
      // One transaction: the refused message is settled and its notice queued together, so a
      // retry of this row can neither send the notice twice nor lose it.
      await db.orm.transaction(async (tx) => {
        await repo.updateDelivery(tx, row.id, {
          status: 'failed',
          error: error.message,
          attempts: row.attempts + 1,
        });
        if (!notice) return;
        const payload = replyPayload(channel.type, chatId, { content: notice, role: 'system' });
        if (channel.type === 'email') payload.in_reply_to_delivery = row.id;
        await repo.insertOutbound(tx, channel, {
          conversationId: thread?.conversationId ?? null,
          messageId: null,
          payload,
        });
      });
      return;
    }
    const conversationId = turn.conversation.id;
    // Also when the visitor last wrote: WhatsApp's customer-service window runs from it.
    await repo.upsertThread(db.orm, channel, chatId, conversationId, inbound.sentAt ?? new Date());
    // The handoff notice of this turn (the visitor asked for a person) goes out with it.
    if (turn.escalation?.systemMessage) {
      await queueReply(channel, row, conversationId, turn.escalation.systemMessage);
    }
    let error: string | null = null;
    if (turn.mode === 'ai') {
      try {
        const reply = await deps.chat.answer(turn);
        await queueReply(channel, row, conversationId, reply.message);
        // Fallbacks in a row handed the conversation to a person: the notice follows the reply.
        if (reply.escalation?.systemMessage) {
          await queueReply(channel, row, conversationId, reply.escalation.systemMessage);
        }
      } catch (caught) {
        if (!(caught instanceof AppError)) throw caught;
        error = caught.message;
      }
    }
    await repo.updateDelivery(db.orm, row.id, {
      status: error ? 'failed' : 'processed',
      error,
      conversationId,
      messageId: turn.userMessage.id,
      attempts: row.attempts + 1,
    });
  }

  /**
   * The chat was asked to rate its resolved conversation: a message that is a rating is recorded
   * (not answered by the bot) and thanked for. False when it is anything else, or the conversation
   * can no longer be rated (opened again, deleted): it is then an ordinary message.
   */
  async function takeRating(
    channel: ChannelRow,
    row: DeliveryRow,
    inbound: NonNullable<ReturnType<typeof inboundTurn>>,
    conversationId: string,
  ): Promise<boolean> {
    const rating = parseRating(inbound.text);
    if (!rating) return false;
    try {
      await deps.conversations.rate(deps.channels.scopeOf(channel), conversationId, rating);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // Rated already: this row was taken before and stopped short of its thanks. Anything else
      // (opened again, deleted) leaves the message to the bot.
      if (error.code !== 'already_rated') return false;
    }
    await db.orm.transaction(async (tx) => {
      await repo.upsertThread(tx, channel, inbound.threadKey, conversationId, inbound.sentAt ?? new Date());
      const payload = replyPayload(channel.type, inbound.threadKey, {
        content: RATING_THANKS,
        role: 'system',
      });
      if (channel.type === 'email') payload.in_reply_to_delivery = row.id;
      await repo.insertOutbound(tx, channel, { conversationId, messageId: null, payload });
      await repo.updateDelivery(tx, row.id, {
        status: 'processed',
        error: null,
        conversationId,
        attempts: row.attempts + 1,
      });
    });
    return true;
  }

  /** One reply out: sent, retried later (429 with its retry_after, 5xx), or failed. */
  async function send(channel: ChannelRow, row: DeliveryRow): Promise<void> {
    const attempts = row.attempts + 1;
    if (channel.status !== 'active') {
      await repo.updateDelivery(db.orm, row.id, {
        status: 'failed',
        attempts,
        error: `The channel is ${channel.status}.`,
      });
      return;
    }
    try {
      const sent = await deps.sender.send(channel, row);
      await repo.updateDelivery(db.orm, row.id, {
        status: 'sent',
        attempts,
        error: null,
        payload: { ...row.payload, ...sent },
      });
    } catch (caught) {
      const error = asPlatformError(caught, channel.type);
      // Retries are counted whatever the cause: a platform that keeps answering 429 is given up on too.
      const delays = channel.type === 'custom' ? deps.webhookRetryDelaysSeconds : RETRY_DELAYS_SECONDS;
      const scheduled = delays[row.attempts];
      // Platforms' own wait is honoured as given; a custom receiver's Retry-After, as for
      // webhooks, postpones the schedule but never hastens it.
      const delay =
        scheduled === undefined
          ? undefined
          : channel.type === 'custom'
            ? Math.max(scheduled, error.retryAfter ?? 0)
            : (error.retryAfter ?? scheduled);
      if (error.retryable && delay !== undefined) {
        await repo.updateDelivery(db.orm, row.id, {
          attempts,
          error: error.message,
          nextAttemptAt: new Date(Date.now() + delay * 1000),
        });
        return;
      }
      await repo.updateDelivery(db.orm, row.id, { status: 'failed', attempts, error: error.message });
      if (error.credentialsRejected) await deps.channels.recordOutcome(channel, error);
    }
  }

  return {
    /** Everything due on one channel, in order: one job per channel at a time. */
    async work(channelId: string): Promise<void> {
      for (;;) {
        const found = await repo.findChannelById(db.orm, channelId);
        if (!found) return;
        const rows = await repo.claimDueDeliveries(db.orm, channelId, BATCH, LEASE_SECONDS);
        if (rows.length === 0) return;
        for (const row of rows) {
          // Read again: a reply before this one may have found the token revoked.
          const current = (await repo.findChannelById(db.orm, channelId))?.channel ?? found.channel;
          try {
            if (row.direction === 'inbound') await answerInbound(current, found.plan, row);
            else await send(current, row);
          } catch (error) {
            await postpone(row, error as Error);
          }
        }
      }
    },

    /** Queues a job for each channel with work due (new replies of agents, retries). */
    async dispatch(): Promise<void> {
      for (const channelId of await repo.channelsWithDueWork(db.orm)) {
        await deps.jobs.send('channel-work', { channelId }, { singletonKey: channelId });
      }
    },

    /**
     * One long poll of every active polling channel; stored updates are answered by jobs. First,
     * channels connected under other settings switch to this server's mode (webhook or polling).
     */
    async poll(): Promise<void> {
      if (stopping.signal.aborted) return pollLocks.release();
      if (!modesAdopted) await adoptModes();
      const channels = await repo.listPolling(db.orm);
      // Only the channels no other worker polls: Telegram ends a getUpdates that another overlaps.
      const mine = await pollLocks.claim(channels.map((channel) => channel.id));
      await Promise.all(
        channels.filter((channel) => mine.has(channel.id)).map((channel) => pollOne(channel)),
      );
      // Stopped during the polls: another worker may take the channels over at once.
      if (stopping.signal.aborted) await pollLocks.release();
    },

    /** Ends the long polls in flight, so that a stop does not wait for them, and frees the channels. */
    stop(): void {
      stopping.abort();
      void pollLocks.release();
    },
  };

  /**
   * An unexpected failure (the database, a bug) on one row: it is tried again later and given up
   * after the last delay, so that one bad row neither blocks its channel nor loops for ever.
   */
  async function postpone(row: DeliveryRow, error: Error): Promise<void> {
    logger.error({ delivery: encodeId('chd', row.id), err: error.message }, 'channel delivery failed');
    const delay = RETRY_DELAYS_SECONDS[row.attempts];
    await repo.updateDelivery(db.orm, row.id, {
      attempts: row.attempts + 1,
      error: 'An internal error occurred.',
      ...(delay === undefined
        ? { status: 'failed' as const }
        : { nextAttemptAt: new Date(Date.now() + delay * 1000) }),
    });
  }

  async function pollOne(channel: ChannelRow): Promise<void> {
    let updates: TelegramUpdate[];
    try {
      updates = await deps.telegram.getUpdates(
        deps.channels.tokenOf(channel),
        channel.pollOffset,
        deps.pollTimeoutSeconds,
        stopping.signal,
      );
    } catch (error) {
      if (stopping.signal.aborted) return;
      if (error instanceof PlatformError && error.credentialsRejected) {
        await deps.channels.recordOutcome(channel, error);
      } else {
        logger.warn(
          { channel: encodeId('ch', channel.id), err: (error as Error).message },
          'telegram poll failed',
        );
      }
      return;
    }
    if (updates.length === 0) return;
    for (const update of updates)
      await repo.insertInbound(db.orm, channel, String(update.update_id), update as never);
    const next = Math.max(...updates.map((update) => update.update_id)) + 1;
    await repo.updateChannel(db.orm, deps.channels.scopeOf(channel), channel.id, { pollOffset: next });
    await deps.jobs.send('channel-work', { channelId: channel.id }, { singletonKey: channel.id });
  }
}

export type ChannelWorker = ReturnType<typeof createChannelWorker>;

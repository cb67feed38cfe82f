// Human handoff: a conversation moves between the bot (mode ai) and people (mode human) — on
// request through the API, when the visitor asks for a human, after fallbacks in a row, or when an
// agent replies — and back. Each change is one transaction with its event and live notice.
import type { Database, Executor } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId } from '../../lib/ids.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import { recordEvent } from '../events/event-outbox.ts';
import { announce } from './conversation-live.ts';
import * as repo from './conversation-repository.ts';
import {
  type ConversationRow,
  type MessageRow,
  presentConversation,
  presentMessage,
} from './conversation-schemas.ts';
import type { ConversationService } from './conversation-service.ts';

export type EscalationTrigger = 'api' | 'visitor_request' | 'fallbacks' | 'agent_reply';

export interface Escalation {
  conversation: ConversationRow;
  /** What the visitor was told; null when nothing changed or an agent took over by replying. */
  systemMessage: MessageRow | null;
  /** False when the conversation was already with a human. */
  escalated: boolean;
}

/** Whether a visitor's message asks for a human, by the bot's phrases (any case, any spacing). */
export function asksForHuman(text: string, phrases: string[]): boolean {
  const normalise = (value: string) => value.toLowerCase().replace(/\s+/g, ' ').trim();
  const message = normalise(text);
  return phrases.some((phrase) => {
    const wanted = normalise(phrase);
    return wanted !== '' && message.includes(wanted);
  });
}

export function createHandoffService(deps: {
  db: Database;
  chatbots: ChatbotService;
  conversations: ConversationService;
  /**
   * Carries what people say to the visitor's messaging channel, in the same transaction; returns
   * the channel it was queued for (null: none).
   */
  onStaffMessage?: (
    tx: Executor,
    conversation: ConversationRow,
    message: MessageRow,
  ) => Promise<string | null>;
  /** Told in the transaction that resolves a conversation not yet rated (channels ask for a rating). */
  onResolved?: (tx: Executor, conversation: ConversationRow) => Promise<string | null>;
  /**
   * Told once that transaction has committed, with the channel something was queued for: its
   * sender starts at once rather than at its next look for work.
   */
  onChannelQueued?: (channelId: string) => Promise<void>;
  /**
   * Told after a change that may move the queue of conversations waiting for a person (one
   * joined it, or a person's place freed): automatic assignment runs again.
   */
  onQueueChanged?: (scope: Scope) => Promise<void>;
}) {
  const { db } = deps;

  async function locked(tx: Parameters<typeof repo.lockConversation>[0], scope: Scope, id: string) {
    const row = await repo.lockConversation(tx, scope, id);
    if (!row) throw AppError.notFound('conversation', encodeId('conv', id));
    return row;
  }

  async function escalate(
    scope: Scope,
    conversationId: string,
    input: { reason?: string | null; trigger: EscalationTrigger },
  ): Promise<Escalation> {
    const result = await escalateOnce(scope, conversationId, input);
    // An agent who replies takes the conversation themselves; anything else queues it.
    if (result.escalated && input.trigger !== 'agent_reply') await deps.onQueueChanged?.(scope);
    return result;
  }

  async function escalateOnce(
    scope: Scope,
    conversationId: string,
    input: { reason?: string | null; trigger: EscalationTrigger },
  ): Promise<Escalation> {
    // Read before the transaction: an embedded database has one connection, which the
    // transaction holds until it ends.
    const before = await deps.conversations.get(scope, conversationId);
    const bot = await deps.chatbots.get(scope, before.chatbotId).catch(() => null);
    let queuedOn: string | null = null;
    const result = await db.orm.transaction(async (tx) => {
      const current = await locked(tx, scope, conversationId);
      if (current.mode === 'human') return { conversation: current, systemMessage: null, escalated: false };
      const conversation = (await repo.updateConversation(tx, scope, conversationId, {
        mode: 'human',
        status: 'open',
        consecutiveFallbacks: 0,
      }))!;
      const text = input.trigger === 'agent_reply' ? null : bot?.handoffSettings.message;
      const systemMessage = text
        ? await deps.conversations.addStaffMessage(tx, scope, conversation, {
            role: 'system',
            content: text,
            metadata: { handoff: true },
          })
        : null;
      // A chat turn's own escalation (the visitor asked, fallbacks) is carried with that turn's
      // reply, in order, by whoever runs the turn; others go out from here.
      const duringTurn = input.trigger === 'visitor_request' || input.trigger === 'fallbacks';
      if (systemMessage && !duringTurn)
        queuedOn = (await deps.onStaffMessage?.(tx, conversation, systemMessage)) ?? null;
      await recordEvent(tx, scope, 'conversation.escalated', {
        ...presentConversation(conversation),
        reason: input.reason ?? null,
        trigger: input.trigger,
        system_message: systemMessage ? presentMessage(systemMessage) : null,
      });
      await announce(tx, { conversationId, kind: 'conversation', id: conversationId });
      return { conversation, systemMessage, escalated: true };
    });
    await channelQueued(queuedOn);
    return result;
  }

  async function channelQueued(channelId: string | null): Promise<void> {
    // The message is committed and will go out anyway: a failed wake-up only leaves it to the
    // sender's next look for work, a second later.
    if (channelId) await deps.onChannelQueued?.(channelId).catch(() => {});
  }

  return {
    escalate,

    /** PATCH: status, mode, assignee, metadata. Closing emits conversation.closed. */
    async update(
      scope: Scope,
      conversationId: string,
      input: {
        status?: 'open' | 'closed';
        mode?: 'ai' | 'human';
        assignee?: string | null;
        snoozedUntil?: Date | null;
        metadata?: Record<string, unknown>;
      },
    ): Promise<ConversationRow> {
      if (input.mode === 'human') await escalate(scope, conversationId, { trigger: 'api' });
      let queueChanged = false;
      let queuedOn: string | null = null;
      const updated = await db.orm.transaction(async (tx) => {
        const current = await locked(tx, scope, conversationId);
        const handBack = input.mode === 'ai' && current.mode === 'human';
        const closing = input.status === 'closed' && current.status !== 'closed';
        const updated = (await repo.updateConversation(tx, scope, conversationId, {
          ...(input.status === undefined ? {} : { status: input.status }),
          ...(handBack ? { mode: 'ai' as const, consecutiveFallbacks: 0 } : {}),
          ...(input.assignee === undefined ? {} : { assignee: input.assignee }),
          ...(input.snoozedUntil === undefined ? {} : { snoozedUntil: input.snoozedUntil }),
          ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
        }))!;
        if (closing) await recordEvent(tx, scope, 'conversation.closed', presentConversation(updated));
        if (closing && updated.csatRating === null) queuedOn = (await deps.onResolved?.(tx, updated)) ?? null;
        if (closing || handBack || input.status !== undefined || input.snoozedUntil !== undefined) {
          await announce(tx, { conversationId, kind: 'conversation', id: conversationId });
        }
        // Closed or back with the bot: its person has room for another. Reopened with people:
        // it waits in the queue again when nobody has it.
        queueChanged =
          closing ||
          handBack ||
          (input.status === 'open' && current.status === 'closed') ||
          (input.snoozedUntil === null && current.snoozedUntil !== null);
        return updated;
      });
      await channelQueued(queuedOn);
      if (queueChanged) await deps.onQueueChanged?.(scope);
      return updated;
    },

    /**
     * An agent's reply, delivered to the visitor. A conversation the bot was handling is taken
     * over (mode human) so that the bot and the agent do not both answer.
     */
    async agentReply(
      scope: Scope,
      conversationId: string,
      input: { content: string; author_name?: string },
    ): Promise<MessageRow> {
      const content = input.content.trim();
      if (!content)
        throw AppError.invalid('invalid_parameter', "The field 'content' must not be blank.", 'content');
      await escalate(scope, conversationId, { trigger: 'agent_reply' });
      let queuedOn: string | null = null;
      const reply = await db.orm.transaction(async (tx) => {
        const conversation = await locked(tx, scope, conversationId);
        if (input.author_name && !conversation.assignee) {
          await repo.updateConversation(tx, scope, conversationId, { assignee: input.author_name });
        }
        const message = await deps.conversations.addStaffMessage(tx, scope, conversation, {
          role: 'agent',
          content,
          authorName: input.author_name ?? null,
        });
        queuedOn = (await deps.onStaffMessage?.(tx, conversation, message)) ?? null;
        return message;
      });
      await channelQueued(queuedOn);
      return reply;
    },
  };
}

export type HandoffService = ReturnType<typeof createHandoffService>;

// Conversations and their messages: starting one, adding the visitor's and the bot's messages
// with their events, and the history a reply is built on.
import type { Database, Executor } from '../../db/client.ts';
import type { RetrievedRef, StoredSource } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, encodeId, newUuid } from '../../lib/ids.ts';
import type { ChatbotRow } from '../chatbots/chatbot-schemas.ts';
import { forgetConversationEvents, recordEvent } from '../events/event-outbox.ts';
import type { ChatTurn } from '../providers/provider-types.ts';
import { exportConversations } from './conversation-export.ts';
import { announce } from './conversation-live.ts';
import {
  type ActivityCursor,
  type ConversationFilters,
  deleteConversation,
  listConversations,
  listConversationsByCreation,
} from './conversation-queries.ts';
import * as repo from './conversation-repository.ts';
import {
  type ConversationRow,
  type MessageRow,
  presentConversation,
  presentMessage,
} from './conversation-schemas.ts';

export interface Visitor {
  id?: string;
  email?: string;
  name?: string;
  /** The site signed this identity (widget identity verification); never set from a request body. */
  verified?: boolean;
}

export interface BotReply {
  content: string;
  grounded: boolean;
  fallback: boolean;
  sourcesUsed: StoredSource[];
  retrieved: RetrievedRef[];
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  metadata: Record<string, unknown>;
}

/** What a visitor says about themselves fills the conversation's customer fields. */
function visitorFields(visitor: Visitor | undefined) {
  return {
    ...(visitor?.id ? { visitorId: visitor.id } : {}),
    ...(visitor?.email ? { customerEmail: visitor.email.toLowerCase() } : {}),
    ...(visitor?.name ? { customerName: visitor.name } : {}),
    ...(visitor?.verified ? { verified: true } : {}),
  };
}

export function createConversationService(deps: { db: Database }) {
  const { db } = deps;

  async function get(scope: Scope, id: string): Promise<ConversationRow> {
    const row = await repo.findConversation(db.orm, scope, id);
    if (!row) throw AppError.notFound('conversation', encodeId('conv', id));
    return row;
  }

  return {
    get,

    /** Conversations matching the filters, newest activity first (the inbox's order). */
    list(scope: Scope, filters: ConversationFilters, page: { limit: number; after: ActivityCursor | null }) {
      return listConversations(db.orm, scope, filters, page);
    },

    /** Conversations matching the filters, newest created first: pages stable under new messages. */
    listByCreation(
      scope: Scope,
      filters: ConversationFilters,
      page: { limit: number; beforeId: string | null },
    ) {
      return listConversationsByCreation(db.orm, scope, filters, page);
    },

    /** Every matching conversation with its messages, streamed (NDJSON or CSV), in id order. */
    export(scope: Scope, filters: ConversationFilters, format: 'ndjson' | 'csv') {
      return exportConversations(db, scope, filters, format);
    },

    /**
     * The visitor's satisfaction with a resolved conversation: 1 to 5 and an optional comment,
     * once. Asked after resolution, so a conversation still open is refused.
     */
    async rate(
      scope: Scope,
      id: string,
      input: { rating: number; comment?: string },
    ): Promise<ConversationRow> {
      return db.orm.transaction(async (tx) => {
        const current = await repo.lockConversation(tx, scope, id);
        if (!current) throw AppError.notFound('conversation', encodeId('conv', id));
        if (current.status !== 'closed') {
          throw new AppError(
            'conflict_error',
            'conversation_not_resolved',
            'Only a resolved conversation can be rated.',
          );
        }
        if (current.csatRating !== null) {
          throw new AppError('conflict_error', 'already_rated', 'This conversation has been rated already.');
        }
        const rated = (await repo.updateConversation(tx, scope, id, {
          csatRating: input.rating,
          csatComment: input.comment?.trim() || null,
          csatAt: new Date(),
        }))!;
        await announce(tx, { conversationId: id, kind: 'conversation', id });
        return rated;
      });
    },

    /**
     * Deletes a conversation, its messages and its events in the log; 404 when the scope has none
     * with this id.
     */
    async remove(scope: Scope, id: string): Promise<void> {
      await db.orm.transaction(async (tx) => {
        if (!(await deleteConversation(tx, scope, id)))
          throw AppError.notFound('conversation', encodeId('conv', id));
        await forgetConversationEvents(tx, scope, encodeId('conv', id));
      });
    },

    /** The conversation named by a wire id, which must belong to the chatbot; 404 otherwise. */
    async getForBot(scope: Scope, chatbotId: string, wireId: string): Promise<ConversationRow> {
      const id = decodeId('conv', wireId, 'conversation_id');
      const row = await repo.findConversation(db.orm, scope, id);
      if (!row || row.chatbotId !== chatbotId) throw AppError.notFound('conversation', wireId);
      return row;
    },

    /**
     * Stores the visitor's message, starting the conversation when there is none, with its events,
     * in one transaction. A closed conversation opens again when the visitor writes, and live
     * streams are told of it before they see the message.
     */
    async addVisitorMessage(
      scope: Scope,
      bot: ChatbotRow,
      existing: ConversationRow | null,
      input: { content: string; visitor?: Visitor; metadata?: Record<string, unknown>; channel: string },
      /** Runs first in the same transaction: what must commit with the message (its quota count). */
      alongside?: (tx: Executor) => Promise<void>,
    ): Promise<{ conversation: ConversationRow; userMessage: MessageRow }> {
      return db.orm.transaction(async (tx) => {
        await alongside?.(tx);
        let conversation: ConversationRow;
        if (existing) {
          // Read again under a lock: the conversation may have been closed (or deleted) since
          // the caller read it, and the reopening must see the status this message lands in.
          const current = await repo.lockConversation(tx, scope, existing.id);
          if (!current) throw AppError.notFound('conversation', encodeId('conv', existing.id));
          const reopening = current.status === 'closed';
          // A visitor's message wakes a snoozed conversation too.
          const waking = current.snoozedUntil !== null;
          const changes = {
            ...visitorFields(input.visitor),
            ...(reopening ? { status: 'open' as const } : {}),
            ...(waking ? { snoozedUntil: null } : {}),
          };
          conversation =
            Object.keys(changes).length > 0
              ? ((await repo.updateConversation(tx, scope, current.id, changes)) ?? current)
              : current;
          if (reopening || waking) {
            await announce(tx, { conversationId: current.id, kind: 'conversation', id: current.id });
          }
        } else {
          conversation = await repo.insertConversation(tx, {
            id: newUuid(),
            workspaceId: scope.workspaceId,
            environment: scope.environment,
            chatbotId: bot.id,
            channel: input.channel,
            ...visitorFields(input.visitor),
          });
          await recordEvent(tx, scope, 'conversation.started', presentConversation(conversation));
        }
        const userMessage = await repo.insertMessage(tx, {
          id: newUuid(),
          workspaceId: scope.workspaceId,
          environment: scope.environment,
          conversationId: conversation.id,
          chatbotId: bot.id,
          role: 'user',
          content: input.content,
          metadata: input.metadata ?? {},
        });
        await recordEvent(tx, scope, 'message.received', {
          ...presentMessage(userMessage),
          conversation: presentConversation(conversation),
        });
        await announce(tx, { conversationId: conversation.id, kind: 'message', id: userMessage.id });
        // The person who has the conversation hears of it on their own stream too.
        if (conversation.assigneeId) {
          await announce(tx, {
            kind: 'person',
            userId: conversation.assigneeId,
            workspaceId: scope.workspaceId,
            environment: scope.environment,
            reason: 'message',
            conversationId: conversation.id,
            id: userMessage.id,
          });
        }
        return { conversation, userMessage };
      });
    },

    /** Stores the bot's reply and announces it (message.sent), in one transaction. */
    async addBotReply(scope: Scope, conversation: ConversationRow, reply: BotReply): Promise<MessageRow> {
      return db.orm.transaction(async (tx) => {
        const message = await repo.insertMessage(
          tx,
          {
            id: newUuid(),
            workspaceId: scope.workspaceId,
            environment: scope.environment,
            conversationId: conversation.id,
            chatbotId: conversation.chatbotId,
            role: 'assistant',
            content: reply.content,
            provider: reply.provider,
            model: reply.model,
            grounded: reply.grounded,
            inputTokens: reply.inputTokens,
            outputTokens: reply.outputTokens,
            latencyMs: reply.latencyMs,
            sourcesUsed: reply.sourcesUsed,
            retrieved: reply.retrieved,
            metadata: reply.metadata,
          },
          { fallback: reply.fallback },
        );
        await recordEvent(tx, scope, 'message.sent', presentMessage(message));
        await announce(tx, { conversationId: conversation.id, kind: 'message', id: message.id });
        return message;
      });
    },

    /**
     * Adds an agent's or a system message (what a human or Parley tells the visitor) inside the
     * caller's transaction, and announces it to live streams. Agent messages emit message.sent.
     */
    async addStaffMessage(
      tx: Executor,
      scope: Scope,
      conversation: ConversationRow,
      input: {
        role: 'agent' | 'system';
        content: string;
        authorName?: string | null;
        metadata?: Record<string, unknown>;
      },
    ): Promise<MessageRow> {
      const message = await repo.insertMessage(tx, {
        id: newUuid(),
        workspaceId: scope.workspaceId,
        environment: scope.environment,
        conversationId: conversation.id,
        chatbotId: conversation.chatbotId,
        role: input.role,
        content: input.content,
        authorName: input.authorName ?? null,
        metadata: input.metadata ?? {},
      });
      if (input.role === 'agent') await recordEvent(tx, scope, 'message.sent', presentMessage(message));
      await announce(tx, { conversationId: conversation.id, kind: 'message', id: message.id });
      return message;
    },

    async message(scope: Scope, id: string): Promise<MessageRow | null> {
      return repo.findMessage(db.orm, scope, id);
    },

    /** Messages of a conversation, oldest first, after a message id (for pages and catch-up). */
    listMessages(scope: Scope, conversationId: string, page: { limit: number; afterId: string | null }) {
      return repo.listMessages(db.orm, scope, conversationId, page);
    },

    /**
     * Records who the visitor is (a captured lead): fills customer_email when given (a lead known
     * only by its phone number has none) and, when given and not yet known, customer_name. Inside
     * the caller's transaction when one is passed.
     */
    async setCustomer(
      scope: Scope,
      conversationId: string,
      customer: { email?: string; name?: string | null },
      tx: Executor = db.orm,
    ): Promise<ConversationRow> {
      const current = await repo.findConversation(tx, scope, conversationId);
      if (!current) throw AppError.notFound('conversation', encodeId('conv', conversationId));
      const updated = await repo.updateConversation(tx, scope, conversationId, {
        ...(customer.email ? { customerEmail: customer.email.toLowerCase() } : {}),
        ...(customer.name && !current.customerName ? { customerName: customer.name } : {}),
      });
      return updated!;
    },

    /** The conversation's last messages as chat turns (an agent speaks for the assistant side). */
    async history(conversationId: string, limit: number): Promise<ChatTurn[]> {
      const rows = await repo.recentMessages(db.orm, conversationId, limit);
      return rows
        .filter((row) => row.role !== 'system' && row.content.trim() !== '')
        .map((row) => ({ role: row.role === 'user' ? 'user' : 'assistant', content: row.content }));
    },

    async feedback(
      scope: Scope,
      messageWireId: string,
      input: { rating: 'up' | 'down'; comment?: string },
    ): Promise<MessageRow> {
      const id = decodeId('msg', messageWireId, 'id');
      const message = await repo.findMessage(db.orm, scope, id);
      if (!message) throw AppError.notFound('message', messageWireId);
      if (message.role !== 'assistant') {
        throw AppError.invalid(
          'feedback_not_allowed',
          'Feedback can only be given on a reply of the chatbot (role assistant).',
          'id',
        );
      }
      const updated = await repo.updateMessage(db.orm, scope, id, {
        feedbackRating: input.rating,
        feedbackComment: input.comment ?? null,
        feedbackAt: new Date(),
      });
      return updated!;
    },
  };
}

export type ConversationService = ReturnType<typeof createConversationService>;

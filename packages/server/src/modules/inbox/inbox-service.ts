// The team inbox around conversations: labels, private notes with @mentions, canned replies
// filled in on the server, and the sidebar's counts. Conversations are reached through their
// service; people through theirs.
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { isUniqueViolation } from '../../lib/db-errors.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId, newUuid } from '../../lib/ids.ts';
import { announce } from '../conversations/conversation-live.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import type { UserRow } from '../users/user-repository.ts';
import type { UserService } from '../users/user-service.ts';
import { fillTemplate, unknownVariables } from './canned-reply-template.ts';
import { type CsatFilter, csatSummary } from './csat-repository.ts';
import * as repo from './inbox-repository.ts';
import * as receipts from './receipt-repository.ts';

type Page = { limit: number; afterId: string | null };

/** Who writes a note: a signed-in person, or an API key (no person). */
export interface Author {
  userId: string | null;
  name?: string | null;
}

/** `@ana@example.com` in a note mentions the person with that address. */
const MENTION = /(?:^|[\s(])@([^\s@()]+@[^\s@()]+\.[^\s@(),;:!?]+)/g;

function conflict(code: string, message: string, param: string): AppError {
  return new AppError('conflict_error', code, message, { param });
}

function checkTemplate(content: string): void {
  const unknown = unknownVariables(content);
  if (unknown.length > 0) {
    throw AppError.invalid(
      'unknown_variable',
      `Unknown variable ${unknown.map((name) => `{{${name}}}`).join(', ')}: use visitor.name, visitor.first_name, visitor.email, agent.name, agent.email or conversation.id.`,
      'content',
    );
  }
}

export function createInboxService(deps: {
  db: Database;
  conversations: ConversationService;
  users: UserService;
}) {
  const { db } = deps;

  async function getCannedReply(scope: Scope, id: string): Promise<repo.CannedReplyRow> {
    const row = await repo.findCannedReply(db.orm, scope, id);
    if (!row) throw AppError.notFound('canned reply', encodeId('cr', id));
    return row;
  }

  async function people(workspaceId: string): Promise<UserRow[]> {
    return deps.users.list(workspaceId, { limit: 1000, afterId: null });
  }

  return {
    listLabels: (scope: Scope, page: Page) => repo.listLabels(db.orm, scope, page),

    async createLabel(scope: Scope, input: { name: string; color: string; description?: string | null }) {
      try {
        return await repo.insertLabel(db.orm, {
          id: newUuid(),
          workspaceId: scope.workspaceId,
          environment: scope.environment,
          name: input.name.trim(),
          color: input.color.toLowerCase(),
          description: input.description ?? null,
        });
      } catch (error) {
        if (isUniqueViolation(error))
          throw conflict('label_exists', `A label named '${input.name}' exists.`, 'name');
        throw error;
      }
    },

    async updateLabel(
      scope: Scope,
      id: string,
      changes: { name?: string; color?: string; description?: string | null },
    ) {
      try {
        const row = await repo.updateLabel(db.orm, scope, id, {
          ...(changes.name ? { name: changes.name.trim() } : {}),
          ...(changes.color ? { color: changes.color.toLowerCase() } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
        });
        if (!row) throw AppError.notFound('label', encodeId('lbl', id));
        return row;
      } catch (error) {
        if (isUniqueViolation(error))
          throw conflict('label_exists', `A label named '${changes.name}' exists.`, 'name');
        throw error;
      }
    },

    async deleteLabel(scope: Scope, id: string): Promise<void> {
      if (!(await repo.deleteLabel(db.orm, scope, id))) throw AppError.notFound('label', encodeId('lbl', id));
    },

    async conversationLabels(scope: Scope, conversationId: string) {
      await deps.conversations.get(scope, conversationId);
      return repo.labelsOf(db.orm, scope, conversationId);
    },

    /** Puts exactly these labels on the conversation; every one must be the scope's. */
    async setConversationLabels(scope: Scope, conversationId: string, labelIds: string[]) {
      await deps.conversations.get(scope, conversationId);
      const unique = [...new Set(labelIds)];
      const found = await repo.findLabels(db.orm, scope, unique);
      const missing = unique.find((id) => !found.some((label) => label.id === id));
      if (missing)
        throw AppError.invalid(
          'unknown_label',
          `No label with id '${encodeId('lbl', missing)}'.`,
          'label_ids',
        );
      await db.orm.transaction((tx) => repo.setConversationLabels(tx, scope, conversationId, unique));
      return found;
    },

    listNotes: async (scope: Scope, conversationId: string, page: Page) => {
      await deps.conversations.get(scope, conversationId);
      return repo.listNotes(db.orm, scope, conversationId, page);
    },

    /**
     * A private note: stored apart from the messages, so nothing that sends messages (the
     * widget's stream, channels, message webhooks) ever sees it. @address mentions are resolved
     * to the workspace's people.
     */
    async addNote(scope: Scope, conversationId: string, author: Author, content: string) {
      const text = content.trim();
      if (!text)
        throw AppError.invalid('invalid_parameter', "The field 'content' must not be blank.", 'content');
      await deps.conversations.get(scope, conversationId);
      const everyone = await people(scope.workspaceId);
      const writer = author.userId ? everyone.find((person) => person.id === author.userId) : undefined;
      const addresses = new Set([...text.matchAll(MENTION)].map((match) => match[1]!.toLowerCase()));
      const mentioned = everyone.filter((person) => addresses.has(person.email));
      const note = await repo.insertNote(db.orm, {
        id: newUuid(),
        workspaceId: scope.workspaceId,
        environment: scope.environment,
        conversationId,
        authorId: author.userId,
        authorName: writer?.name ?? writer?.email ?? author.name ?? null,
        content: text,
        mentionedUserIds: mentioned.map((person) => person.id),
      });
      for (const person of mentioned) {
        await announce(db.orm, {
          kind: 'person',
          userId: person.id,
          workspaceId: scope.workspaceId,
          environment: scope.environment,
          reason: 'mentioned',
          conversationId,
          id: note.id,
        });
      }
      return { note, mentioned };
    },

    listCannedReplies: (scope: Scope, filter: { shortcutPrefix?: string }, page: Page) =>
      repo.listCannedReplies(db.orm, scope, filter, page),

    getCannedReply,

    async createCannedReply(scope: Scope, input: { shortcut: string; content: string }) {
      checkTemplate(input.content);
      try {
        return await repo.insertCannedReply(db.orm, {
          id: newUuid(),
          workspaceId: scope.workspaceId,
          environment: scope.environment,
          shortcut: input.shortcut.toLowerCase(),
          content: input.content,
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict(
            'shortcut_exists',
            `A canned reply with the shortcut '${input.shortcut}' exists.`,
            'shortcut',
          );
        }
        throw error;
      }
    },

    async updateCannedReply(scope: Scope, id: string, changes: { shortcut?: string; content?: string }) {
      if (changes.content !== undefined) checkTemplate(changes.content);
      try {
        const row = await repo.updateCannedReply(db.orm, scope, id, {
          ...(changes.shortcut ? { shortcut: changes.shortcut.toLowerCase() } : {}),
          ...(changes.content !== undefined ? { content: changes.content } : {}),
        });
        if (!row) throw AppError.notFound('canned reply', encodeId('cr', id));
        return row;
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict(
            'shortcut_exists',
            `A canned reply with the shortcut '${changes.shortcut}' exists.`,
            'shortcut',
          );
        }
        throw error;
      }
    },

    async deleteCannedReply(scope: Scope, id: string): Promise<void> {
      if (!(await repo.deleteCannedReply(db.orm, scope, id)))
        throw AppError.notFound('canned reply', encodeId('cr', id));
    },

    /** The canned reply filled in for a conversation, as the agent (when a person) would send it. */
    async renderCannedReply(scope: Scope, id: string, conversationId: string, agentId: string | null) {
      const reply = await getCannedReply(scope, id);
      const conversation = await deps.conversations.get(scope, conversationId);
      const agent = agentId ? await deps.users.get(scope.workspaceId, agentId).catch(() => null) : null;
      const name = conversation.customerName?.trim() || null;
      return fillTemplate(reply.content, {
        'visitor.name': name,
        'visitor.first_name': name?.split(/\s+/)[0] ?? null,
        'visitor.email': conversation.customerEmail,
        'agent.name': agent?.name ?? null,
        'agent.email': agent?.email ?? null,
        'conversation.id': encodeId('conv', conversation.id),
      });
    },

    counts: (scope: Scope) => repo.inboxCounts(db.orm, scope),

    /**
     * A person has read the conversation up to a message (its newest when none is named): a read
     * receipt the rest of the team sees. The position never moves back.
     */
    async markRead(scope: Scope, conversationId: string, userId: string, messageId: string | null) {
      await deps.conversations.get(scope, conversationId);
      const message = await receipts.messageToMark(db.orm, scope, conversationId, messageId);
      if (messageId && !message) {
        throw AppError.invalid(
          'unknown_message',
          `No message with id '${encodeId('msg', messageId)}' in this conversation.`,
          'message_id',
        );
      }
      const receipt = await receipts.markRead(db.orm, conversationId, userId, message);
      // The team's streams show the receipt at once, on every node.
      await announce(db.orm, {
        conversationId,
        kind: 'read',
        userId: receipt.userId,
        messageId: receipt.lastReadMessageId,
        readAt: receipt.readAt.toISOString(),
      });
      return receipt;
    },

    async receipts(scope: Scope, conversationId: string) {
      await deps.conversations.get(scope, conversationId);
      return receipts.receiptsOf(db.orm, conversationId);
    },

    /** How visitors rated resolved conversations. */
    csat: (scope: Scope, filter: CsatFilter) => csatSummary(db.orm, scope, filter),
  };
}

export type InboxService = ReturnType<typeof createInboxService>;

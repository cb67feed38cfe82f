// Assigning conversations to people: by hand (to someone or back to the queue) and round-robin
// among people who are online, up to each one's capacity. Automatic assignment runs again
// whenever a conversation joins the queue, a person comes online or a conversation frees a place.
import type { Logger } from 'pino';
import type { Database, Executor } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId } from '../../lib/ids.ts';
import { recordEvent } from '../events/event-outbox.ts';
import * as repo from './assignment-repository.ts';
import { announce } from './conversation-live.ts';
import { findConversation, lockConversation, updateConversation } from './conversation-repository.ts';
import { type ConversationRow, presentConversation } from './conversation-schemas.ts';

/** One run assigns at most this many conversations; the next trigger goes on from there. */
const MAX_PER_RUN = 200;

export interface AssignmentDeps {
  db: Database;
  logger: Logger;
  /** The person, when they belong to the workspace; null otherwise. */
  findPerson(
    workspaceId: string,
    userId: string,
  ): Promise<{ id: string; name: string | null; email: string } | null>;
}

export function createAssignmentService(deps: AssignmentDeps) {
  const { db } = deps;

  async function record(
    tx: Executor,
    scope: Scope,
    conversation: ConversationRow,
    previous: string | null,
    how: 'manual' | 'round_robin' | 'offline',
  ): Promise<void> {
    await recordEvent(tx, scope, 'conversation.assigned', {
      ...presentConversation(conversation),
      previous_assignee_id: previous ? encodeId('usr', previous) : null,
      assigned_by: how,
    });
    await announce(tx, { conversationId: conversation.id, kind: 'conversation', id: conversation.id });
    if (conversation.assigneeId && conversation.assigneeId !== previous) {
      await announce(tx, {
        kind: 'person',
        userId: conversation.assigneeId,
        workspaceId: scope.workspaceId,
        environment: scope.environment,
        reason: 'assigned',
        conversationId: conversation.id,
        id: conversation.id,
      });
    }
  }

  /** Gives queued conversations to online people with room, until either runs out. */
  async function autoAssign(scope: Scope): Promise<number> {
    let assigned = 0;
    while (assigned < MAX_PER_RUN) {
      const done = await db.orm.transaction(async (tx) => {
        await repo.lockQueue(tx, scope);
        const now = new Date();
        const queued = await repo.nextQueued(tx, scope, now);
        if (!queued) return false;
        const assignee = await repo.nextAssignee(tx, scope.workspaceId);
        if (!assignee) return false;
        const updated = (await updateConversation(tx, scope, queued.id, {
          assigneeId: assignee,
          assignedAt: now,
        }))!;
        await repo.markAssigned(tx, assignee, now);
        await record(tx, scope, updated, null, 'round_robin');
        return true;
      });
      if (!done) break;
      assigned += 1;
    }
    return assigned;
  }

  /**
   * Runs automatic assignment after something that may let it give out more; a failure is
   * logged, never the caller's (the change that triggered it has committed).
   */
  async function rerun(scopes: Scope[]): Promise<void> {
    for (const scope of scopes) {
      await autoAssign(scope).catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'automatic assignment failed; the next trigger retries'),
      );
    }
  }

  return {
    autoAssign,

    rerun,

    /**
     * Returns the person's open conversations in the scope to the queue (they went offline long
     * enough ago): each only if it is still theirs, with conversation.assigned (`assigned_by:
     * offline`); then the queue gives them to whoever has room. Returns how many went back.
     */
    async returnToQueue(scope: Scope, userId: string, conversationIds: string[]): Promise<number> {
      let returned = 0;
      for (const conversationId of conversationIds) {
        const moved = await db.orm.transaction(async (tx) => {
          const current = await lockConversation(tx, scope, conversationId);
          if (!current || current.assigneeId !== userId || current.status !== 'open') return false;
          const row = (await updateConversation(tx, scope, conversationId, {
            assigneeId: null,
            assignedAt: null,
          }))!;
          await record(tx, scope, row, userId, 'offline');
          return true;
        });
        if (moved) returned += 1;
      }
      if (returned > 0) await rerun([scope]);
      return returned;
    },

    /**
     * Gives the conversation to the person if nobody has it, checked under the conversation's lock:
     * of two people answering it at once, the first keeps it. Emits conversation.assigned then.
     */
    async claim(scope: Scope, conversationId: string, userId: string): Promise<void> {
      const claimed = await db.orm.transaction(async (tx) => {
        const current = await lockConversation(tx, scope, conversationId);
        if (!current || current.assigneeId !== null) return false;
        const row = (await updateConversation(tx, scope, conversationId, {
          assigneeId: userId,
          assignedAt: new Date(),
        }))!;
        await record(tx, scope, row, null, 'manual');
        return true;
      });
      if (claimed) await rerun([scope]);
    },

    /**
     * Assigns the conversation to a person of the workspace, or back to the queue (null), which
     * hands it to the next person with room. Emits conversation.assigned when it changes.
     */
    async assign(scope: Scope, conversationId: string, userId: string | null): Promise<ConversationRow> {
      if (userId && !(await deps.findPerson(scope.workspaceId, userId))) {
        throw AppError.invalid(
          'unknown_user',
          `No person with id '${encodeId('usr', userId)}' is in this workspace.`,
          'user_id',
        );
      }
      const updated = await db.orm.transaction(async (tx) => {
        const current = await lockConversation(tx, scope, conversationId);
        if (!current) throw AppError.notFound('conversation', encodeId('conv', conversationId));
        if (current.assigneeId === userId) return current;
        const row = (await updateConversation(tx, scope, conversationId, {
          assigneeId: userId,
          assignedAt: userId ? new Date() : null,
        }))!;
        await record(tx, scope, row, current.assigneeId, 'manual');
        return row;
      });
      // Back in the queue, or someone's place freed: the queue moves.
      await rerun([scope]);
      return userId ? updated : ((await findConversation(db.orm, scope, conversationId)) ?? updated);
    },
  };
}

export type AssignmentService = ReturnType<typeof createAssignmentService>;

// Presence: a person whose sessions have been idle for a set time (no request, no open
// notification stream) becomes offline; the open conversations of a person offline for a set
// time go back to the queue, where round-robin gives them to someone online with room. A sweep
// does both; workers run it on a tick, tests call it with the clock they choose.
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import type { AssignmentService } from '../conversations/conversation-assignment.ts';
import * as repo from './presence-repository.ts';

/** Conversations returned to the queue per sweep at most; the next sweep goes on. */
const MAX_PER_SWEEP = 500;

export interface PresenceSettings {
  /** A person not seen for this long goes offline. */
  idleOfflineSeconds: number;
  /** A conversation of a person offline for this long goes back to the queue. */
  offlineRequeueSeconds: number;
}

export function createPresence(deps: {
  db: Database;
  logger: Logger;
  assignment: AssignmentService;
  settings: PresenceSettings;
}) {
  const { db, settings } = deps;

  return {
    /** Records that the person is there (their notification stream is open). */
    touch(userId: string, now = new Date()): Promise<void> {
      return repo.touchPerson(db.orm, userId, now);
    },

    /** Idle people go offline; conversations of people offline long enough return to the queue. */
    async sweep(now = new Date()): Promise<{ wentOffline: number; returned: number }> {
      const idleSince = new Date(now.getTime() - settings.idleOfflineSeconds * 1000);
      const wentOffline = await repo.setIdleOffline(db.orm, idleSince, now);
      const offlineSince = new Date(now.getTime() - settings.offlineRequeueSeconds * 1000);
      const due = await repo.conversationsOfOffline(db.orm, offlineSince, MAX_PER_SWEEP);
      // Grouped per person and scope, so the queue runs once for each.
      const groups = new Map<
        string,
        { scope: { workspaceId: string; environment: 'live' | 'test' }; userId: string; ids: string[] }
      >();
      for (const row of due) {
        const key = `${row.assignee_id}:${row.environment}`;
        let group = groups.get(key);
        if (!group) {
          group = {
            scope: { workspaceId: row.workspace_id, environment: row.environment },
            userId: row.assignee_id,
            ids: [],
          };
          groups.set(key, group);
        }
        group.ids.push(row.id);
      }
      let returned = 0;
      for (const group of groups.values()) {
        returned += await deps.assignment.returnToQueue(group.scope, group.userId, group.ids);
      }
      if (wentOffline.length > 0 || returned > 0) {
        deps.logger.info({ wentOffline: wentOffline.length, returned }, 'presence sweep');
      }
      return { wentOffline: wentOffline.length, returned };
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;

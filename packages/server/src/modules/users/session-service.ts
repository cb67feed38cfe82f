// Sign-in sessions of people: a random secret in an HTTP-only cookie (only its hash is stored),
// an anti-CSRF token bound to the session, sign-out here or everywhere.
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, newUuid } from '../../lib/ids.ts';
import { KeyRevocations } from '../workspaces/api-key-revocations.ts';
import type { Principal } from '../workspaces/api-key-service.ts';
import type { PlanTable } from '../workspaces/plans.ts';
import * as repo from './user-repository.ts';
import { presentSession } from './user-schemas.ts';
import { hashSecret, newSecret, passwordMatches } from './user-secrets.ts';

/** A session ends this long after sign-in, however active. */
export const SESSION_TTL_MS = 14 * 24 * 3600_000;
/** last_seen_at is written at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;
/** Where a trigger on user_sessions announces every ended session's id (migration 0016). */
const SESSION_CHANNEL = 'parley_sessions';
/**
 * How often a node re-checks the sessions its open streams run for: ends arrive by NOTIFY at
 * once; this catches expiry and a notice lost while the listener reconnected.
 */
const STREAM_RECHECK_MS = 10_000;

export interface SignedIn {
  session: repo.SessionRow;
  user: repo.UserRow;
  workspaceName: string;
  /** The cookie's value: shown to the browser once, stored as a hash. */
  secret: string;
}

export function createSessionService(deps: { db: Database; plans: PlanTable; logger: Logger }) {
  const { db } = deps;
  const ends = new KeyRevocations(
    (ids) => repo.liveSessionIds(db.orm, ids, new Date()),
    STREAM_RECHECK_MS,
    (error) => deps.logger.warn({ err: error }, 'could not re-check the sessions of open streams'),
  );
  let unlisten: (() => Promise<void>) | null = null;

  function principalOf(found: NonNullable<Awaited<ReturnType<typeof repo.findLiveSession>>>): Principal {
    const { session, user, workspace } = found;
    return {
      // Rate limits count per session, as they count per key.
      keyId: `session:${session.id}`,
      workspaceId: workspace.id,
      environment: session.environment,
      workspace: {
        id: workspace.id,
        name: workspace.name,
        plan: workspace.plan,
        createdAt: workspace.createdAt,
      },
      limits: deps.plans[workspace.plan] ?? { requests_per_minute: null, messages_per_month: null },
      person: { userId: user.id, role: user.role, sessionId: session.id, csrfToken: session.csrfToken },
    };
  }

  /** Opens a session for a person whose credentials were checked. */
  async function start(user: repo.UserRow, environment: 'live' | 'test' = 'live'): Promise<SignedIn> {
    const { secret, hash } = newSecret();
    const session = await repo.insertSession(db.orm, {
      id: newUuid(),
      userId: user.id,
      workspaceId: user.workspaceId,
      environment,
      tokenHash: hash,
      csrfToken: newSecret().secret,
      expiresAt: new Date(Date.now() + SESSION_TTL_MS),
    });
    const touched = (await repo.touchUser(db.orm, user.id, new Date())) ?? user;
    const workspace = await repo.findWorkspaceName(db.orm, user.workspaceId);
    return { session, user: touched, secret, workspaceName: workspace };
  }

  return {
    /** Starts listening for ended sessions; call once before serving requests. */
    async listen(): Promise<void> {
      unlisten = await db.listen(SESSION_CHANNEL, (payload) => {
        // An empty payload: the listener reconnected, ends may have been missed.
        if (payload) ends.revoked(payload);
        else void ends.recheck();
      });
    },

    async close(): Promise<void> {
      ends.close();
      await unlisten?.();
      unlisten = null;
    },

    /**
     * Calls `onEnded` once when the session ends (signed out here or everywhere, a password reset,
     * the person removed, expired), on any node; the returned function stops watching.
     */
    watchEnd(sessionId: string, onEnded: () => void): () => void {
      return ends.watch(sessionId, onEnded);
    },

    /**
     * Signs in with an address and a password. Wrong address and wrong password get the same
     * answer. An address in several workspaces needs `workspace_id` when the password fits more
     * than one of them.
     */
    async signIn(input: {
      email: string;
      password: string;
      workspace_id?: string;
      environment?: 'live' | 'test';
    }): Promise<SignedIn> {
      const workspaceId = input.workspace_id ? decodeId('ws', input.workspace_id, 'workspace_id') : null;
      const candidates = (await repo.findUsersByEmail(db.orm, input.email.trim().toLowerCase())).filter(
        (user) => !workspaceId || user.workspaceId === workspaceId,
      );
      const matching: repo.UserRow[] = [];
      if (candidates.length === 0) await passwordMatches(null, input.password);
      for (const user of candidates) {
        if (await passwordMatches(user.passwordHash, input.password)) matching.push(user);
      }
      if (matching.length === 0) {
        throw AppError.unauthenticated('invalid_credentials', 'The email or the password is not right.');
      }
      if (matching.length > 1) {
        throw AppError.invalid(
          'workspace_required',
          'This email signs in to several workspaces: say which with workspace_id.',
          'workspace_id',
        );
      }
      return start(matching[0]!, input.environment ?? 'live');
    },

    start,

    /** The session as GET /v1/me and the sign-in routes show it. */
    async describe(sessionId: string) {
      const found = await repo.findSessionById(db.orm, sessionId);
      if (!found) {
        throw AppError.unauthenticated('session_expired', 'The session has ended: sign in again.');
      }
      return presentSession(found.session, found.user, found.workspace);
    },

    /** The principal of a session cookie's secret, or null when it is unknown or has ended. */
    async authenticate(secret: string): Promise<Principal | null> {
      const now = new Date();
      const found = await repo.findLiveSession(db.orm, hashSecret(secret), now);
      if (!found) return null;
      if (now.getTime() - found.session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
        await repo.touchSession(db.orm, found.session.id, found.user.id, now);
      }
      return principalOf(found);
    },

    async switchEnvironment(sessionId: string, environment: 'live' | 'test'): Promise<void> {
      await repo.updateSessionEnvironment(db.orm, sessionId, environment);
    },

    signOut(sessionId: string): Promise<void> {
      return repo.deleteSession(db.orm, sessionId);
    },

    /** Ends every session of the person, on every device. */
    signOutEverywhere(userId: string): Promise<number> {
      return repo.deleteSessionsOf(db.orm, userId);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;

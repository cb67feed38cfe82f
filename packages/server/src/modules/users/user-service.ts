// People of a workspace: invitations, roles, availability, passwords and their one-time links.
// Owners manage people; a workspace always keeps at least one owner.
import type { Database, Executor } from '../../db/client.ts';
import { isUniqueViolation } from '../../lib/db-errors.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId, newUuid } from '../../lib/ids.ts';
import * as repo from './user-repository.ts';
import { checkPassword, hashPassword, hashSecret, newSecret, passwordMatches } from './user-secrets.ts';

export type Role = repo.UserRow['role'];
export type Availability = repo.UserRow['availability'];

/** How long a one-time link works. */
export const TOKEN_TTL_MS: Record<repo.TokenPurpose, number> = {
  invite: 7 * 24 * 3600_000,
  password_reset: 3600_000,
};

/** The console's pages that take a one-time link's token. */
const LINK_PATHS: Record<repo.TokenPurpose, string> = {
  invite: '/app/accept-invite',
  password_reset: '/app/reset-password',
};

export interface OneTimeLink {
  url: string;
  token: string;
  expiresAt: Date;
}

export interface UserServiceDeps {
  db: Database;
  /** Told when a person may take more conversations (came online, capacity raised). */
  onAvailable?: (workspaceId: string) => Promise<void>;
}

export function createUserService(deps: UserServiceDeps) {
  const { db } = deps;

  async function get(workspaceId: string, id: string): Promise<repo.UserRow> {
    const user = await repo.findUser(db.orm, workspaceId, id);
    if (!user) throw AppError.notFound('user', encodeId('usr', id));
    return user;
  }

  async function issueLink(
    tx: Executor,
    user: repo.UserRow,
    purpose: repo.TokenPurpose,
    baseUrl: string,
  ): Promise<OneTimeLink> {
    const now = new Date();
    await repo.retireTokens(tx, user.id, purpose, now);
    const { secret, hash } = newSecret();
    const expiresAt = new Date(now.getTime() + TOKEN_TTL_MS[purpose]);
    await repo.insertToken(tx, { id: newUuid(), userId: user.id, purpose, tokenHash: hash, expiresAt });
    const url = new URL(LINK_PATHS[purpose], baseUrl);
    url.searchParams.set('token', secret);
    return { url: url.toString(), token: secret, expiresAt };
  }

  /** Refuses a change that would leave the workspace without an owner. */
  async function keepAnOwner(tx: Executor, user: repo.UserRow, what: string): Promise<void> {
    if (user.role !== 'owner') return;
    await repo.lockWorkspacePeople(tx, user.workspaceId);
    if ((await repo.countOtherOwners(tx, user.workspaceId, user.id)) === 0) {
      throw new AppError(
        'conflict_error',
        'last_owner',
        `${what} would leave the workspace without an owner: make someone else an owner first.`,
      );
    }
  }

  /** Awaited, so that a person who comes online has their conversations when the answer arrives. */
  async function notifyAvailable(workspaceId: string): Promise<void> {
    await deps.onAvailable?.(workspaceId);
  }

  return {
    get,

    list(workspaceId: string, page: { limit: number; afterId: string | null }) {
      return repo.listUsers(db.orm, workspaceId, page);
    },

    /**
     * Adds a person. With a password they can sign in at once (the CLI); without one they get an
     * invitation link to set it, returned here (and mailed where mail is set up).
     */
    async create(
      workspaceId: string,
      input: { email: string; role: Role; name?: string | null; password?: string },
      baseUrl: string,
    ): Promise<{ user: repo.UserRow; invitation: OneTimeLink | null }> {
      if (input.password !== undefined) checkPassword(input.password);
      const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
      try {
        return await db.orm.transaction(async (tx) => {
          const user = await repo.insertUser(tx, {
            id: newUuid(),
            workspaceId,
            email: input.email.trim().toLowerCase(),
            name: input.name ?? null,
            role: input.role,
            passwordHash,
          });
          const invitation = passwordHash ? null : await issueLink(tx, user, 'invite', baseUrl);
          return { user, invitation };
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AppError(
            'conflict_error',
            'user_exists',
            `Someone with the email '${input.email}' is already in this workspace.`,
            { param: 'email' },
          );
        }
        throw error;
      }
    },

    /** An owner's changes to a person: name, role, capacity, availability. */
    async update(
      workspaceId: string,
      id: string,
      changes: { name?: string | null; role?: Role; capacity?: number; availability?: Availability },
    ): Promise<repo.UserRow> {
      const updated = await db.orm.transaction(async (tx) => {
        const user = await repo.findUser(tx, workspaceId, id);
        if (!user) throw AppError.notFound('user', encodeId('usr', id));
        if (changes.role && changes.role !== 'owner') await keepAnOwner(tx, user, 'Changing the role');
        return (await repo.updateUser(tx, workspaceId, id, changes))!;
      });
      if (changes.availability === 'online' || changes.capacity !== undefined)
        await notifyAvailable(workspaceId);
      return updated;
    },

    /** Removes a person: their sessions end, their conversations go back to the queue. */
    async remove(workspaceId: string, id: string): Promise<void> {
      await db.orm.transaction(async (tx) => {
        const user = await repo.findUser(tx, workspaceId, id);
        if (!user) throw AppError.notFound('user', encodeId('usr', id));
        await keepAnOwner(tx, user, 'Removing this person');
        await repo.deleteUser(tx, workspaceId, id);
      });
      await notifyAvailable(workspaceId);
    },

    /** A password-reset link for a person, for an owner to pass on; earlier links stop working. */
    async passwordResetLink(workspaceId: string, id: string, baseUrl: string): Promise<OneTimeLink> {
      return db.orm.transaction(async (tx) => {
        const user = await repo.findUser(tx, workspaceId, id);
        if (!user) throw AppError.notFound('user', encodeId('usr', id));
        return issueLink(tx, user, 'password_reset', baseUrl);
      });
    },

    /**
     * Uses an invitation or reset link: sets the password and ends every session of the person
     * (a reset is what someone does when a session may be in the wrong hands).
     */
    async redeem(
      purpose: repo.TokenPurpose,
      token: string,
      input: { password: string; name?: string },
    ): Promise<repo.UserRow> {
      checkPassword(input.password);
      const passwordHash = await hashPassword(input.password);
      return db.orm.transaction(async (tx) => {
        const used = await repo.consumeToken(tx, hashSecret(token), purpose, new Date());
        if (!used) {
          throw AppError.invalid(
            'invalid_token',
            'This link is not valid: it was already used, has expired, or was replaced by a newer one.',
            'token',
          );
        }
        const user = (await repo.findUserById(tx, used.userId))!;
        await repo.deleteSessionsOf(tx, user.id);
        return (await repo.updateUser(tx, user.workspaceId, user.id, {
          passwordHash,
          ...(input.name ? { name: input.name } : {}),
        }))!;
      });
    },

    /** A person's own changes: name, availability, password (with the current one). */
    async updateSelf(
      user: repo.UserRow,
      changes: {
        name?: string | null;
        availability?: Availability;
        password?: string;
        current_password?: string;
      },
    ): Promise<repo.UserRow> {
      let passwordHash: string | undefined;
      if (changes.password !== undefined) {
        checkPassword(changes.password);
        if (!(await passwordMatches(user.passwordHash, changes.current_password ?? ''))) {
          throw AppError.invalid(
            'wrong_password',
            "'current_password' is not this account's password.",
            'current_password',
          );
        }
        passwordHash = await hashPassword(changes.password);
      }
      const updated = await repo.updateUser(db.orm, user.workspaceId, user.id, {
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.availability ? { availability: changes.availability } : {}),
        ...(passwordHash ? { passwordHash } : {}),
      });
      if (!updated) throw AppError.notFound('user', encodeId('usr', user.id));
      if (changes.availability === 'online') await notifyAvailable(user.workspaceId);
      return updated;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;

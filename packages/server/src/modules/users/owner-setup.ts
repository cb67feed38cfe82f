// The first owner's one-time link, printed by `parley serve` while a workspace has nobody: who
// opens it gives their email, name and password, becomes the workspace's owner and is signed in.
// At first start nobody's email is known, so the link names no one. It is sealed by the server
// (the secret box, so every node sharing the secret key accepts it) and stored nowhere: it works
// only while the workspace has no people, so the first use is also the last.
import type { Database } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import { newUuid } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import * as repo from './user-repository.ts';
import { checkPassword, hashPassword } from './user-secrets.ts';

/** How long a printed link works; a later start prints a new one while nobody has used it. */
export const FIRST_OWNER_LINK_TTL_MS = 7 * 24 * 3600_000;
const PURPOSE = 'first_owner';
export const FIRST_OWNER_PATH = '/app/setup';

interface Sealed {
  purpose: typeof PURPOSE;
  workspace: string;
  expires: number;
}

export function createOwnerSetup(deps: { db: Database; secretBox: SecretBox }) {
  const { db, secretBox } = deps;

  async function hasPeople(executor: Parameters<typeof repo.listUsers>[0], workspaceId: string) {
    return (await repo.listUsers(executor, workspaceId, { limit: 1, afterId: null })).length > 0;
  }

  function invalid(): AppError {
    return AppError.invalid(
      'invalid_token',
      'This link is not valid: the workspace already has its first owner, or the link has expired.',
      'token',
    );
  }

  function open(token: string): Sealed | null {
    try {
      const sealed = JSON.parse(secretBox.decrypt(token)) as Partial<Sealed>;
      if (sealed.purpose !== PURPOSE || typeof sealed.workspace !== 'string') return null;
      if (typeof sealed.expires !== 'number' || sealed.expires <= Date.now()) return null;
      return sealed as Sealed;
    } catch {
      return null;
    }
  }

  return {
    /** The link to print at start, or null once the workspace has people. */
    async linkFor(workspaceId: string, baseUrl: string): Promise<{ url: string; expiresAt: Date } | null> {
      if (await hasPeople(db.orm, workspaceId)) return null;
      const expiresAt = new Date(Date.now() + FIRST_OWNER_LINK_TTL_MS);
      const sealed: Sealed = { purpose: PURPOSE, workspace: workspaceId, expires: expiresAt.getTime() };
      const url = new URL(FIRST_OWNER_PATH, baseUrl);
      url.searchParams.set('token', secretBox.encrypt(JSON.stringify(sealed)));
      return { url: url.toString(), expiresAt };
    },

    /** Makes the link's opener the workspace's first owner; refused once anyone is in it. */
    async redeem(
      token: string,
      input: { email: string; password: string; name?: string },
    ): Promise<repo.UserRow> {
      const sealed = open(token);
      if (!sealed) throw invalid();
      checkPassword(input.password);
      const passwordHash = await hashPassword(input.password);
      return db.orm.transaction(async (tx) => {
        // Two openers at once: the workspace's row lock lets the second see the first's owner.
        await repo.lockWorkspacePeople(tx, sealed.workspace);
        if (await hasPeople(tx, sealed.workspace)) throw invalid();
        return repo.insertUser(tx, {
          id: newUuid(),
          workspaceId: sealed.workspace,
          email: input.email.trim().toLowerCase(),
          name: input.name ?? null,
          role: 'owner',
          passwordHash,
        });
      });
    },
  };
}

export type OwnerSetup = ReturnType<typeof createOwnerSetup>;

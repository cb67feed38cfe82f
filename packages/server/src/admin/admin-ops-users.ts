// Operator actions on people: what `parley users …` does (the first owner of a workspace, most
// of all: nobody can invite them through the API before they exist).
import { validateInput } from '../http/validation.ts';
import { decodeId, encodeId } from '../lib/ids.ts';
import { InviteUserBody, presentLink, presentUser } from '../modules/users/user-schemas.ts';
import type { UserService } from '../modules/users/user-service.ts';
import type { WorkspaceService } from '../modules/workspaces/workspace-service.ts';

type User = ReturnType<typeof presentUser>;

export interface UserAdminOps {
  createUser(input: {
    email: string;
    role: string;
    name?: string;
    password?: string;
    workspace?: string;
  }): Promise<User & { workspace_id: string; invitation: ReturnType<typeof presentLink> | null }>;
  listUsers(input: { workspace?: string }): Promise<{ workspace_id: string; users: User[] }>;
}

export function userAdminOps(deps: {
  workspaces: WorkspaceService;
  users: UserService;
  /** Where invitation links point. */
  baseUrl: string;
}): UserAdminOps {
  async function resolveWorkspace(id: string | undefined) {
    return id ? deps.workspaces.get(decodeId('ws', id, 'workspace')) : deps.workspaces.getDefault();
  }

  return {
    async createUser(input) {
      const workspace = await resolveWorkspace(input.workspace);
      const body = validateInput<{ email: string; role: 'owner' | 'admin' | 'agent'; name?: string }>(
        InviteUserBody,
        { email: input.email, role: input.role, ...(input.name ? { name: input.name } : {}) },
      );
      const { user, invitation } = await deps.users.create(
        workspace.id,
        { ...body, ...(input.password !== undefined ? { password: input.password } : {}) },
        deps.baseUrl,
      );
      return {
        ...presentUser(user),
        workspace_id: encodeId('ws', workspace.id),
        invitation: invitation ? presentLink(invitation) : null,
      };
    },
    async listUsers(input) {
      const workspace = await resolveWorkspace(input.workspace);
      const rows = await deps.users.list(workspace.id, { limit: 1000, afterId: null });
      return {
        workspace_id: encodeId('ws', workspace.id),
        users: rows.map(presentUser),
      };
    },
  };
}

// Operator actions on workspaces and API keys (see admin-ops.ts).
import { AppError } from '../lib/errors.ts';
import { decodeId } from '../lib/ids.ts';
import { type Environment, KEY_FORMATS, type KeyFormat } from '../modules/workspaces/api-key-secrets.ts';
import type { ApiKeyService } from '../modules/workspaces/api-key-service.ts';
import { presentApiKey, presentWorkspaceRow } from '../modules/workspaces/workspace-schemas.ts';
import type { WorkspaceService } from '../modules/workspaces/workspace-service.ts';

export interface WorkspaceAdminOps {
  createWorkspace(input: { name: string; plan: string }): Promise<ReturnType<typeof presentWorkspaceRow>>;
  listWorkspaces(): Promise<ReturnType<typeof presentWorkspaceRow>[]>;
  createKey(input: {
    name: string;
    environment: Environment;
    workspace?: string;
    /** The key's prefix: Parley's own, or a seed product's for its compatibility API. */
    format?: KeyFormat;
  }): Promise<ReturnType<typeof presentApiKey> & { key: string; workspace_id: string }>;
  listKeys(input: {
    workspace?: string;
  }): Promise<{ workspace_id: string; keys: ReturnType<typeof presentApiKey>[] }>;
  revokeKey(input: { id: string }): Promise<ReturnType<typeof presentApiKey>>;
}

export function workspaceAdminOps(deps: {
  workspaces: WorkspaceService;
  apiKeys: ApiKeyService;
}): WorkspaceAdminOps {
  async function resolveWorkspace(id: string | undefined) {
    return id ? deps.workspaces.get(decodeId('ws', id, 'workspace')) : deps.workspaces.getDefault();
  }

  return {
    async createWorkspace(input) {
      return presentWorkspaceRow(await deps.workspaces.create(input));
    },
    async listWorkspaces() {
      return (await deps.workspaces.list()).map(presentWorkspaceRow);
    },
    async createKey(input) {
      if (input.environment !== 'live' && input.environment !== 'test') {
        throw AppError.invalid('invalid_environment', "The environment must be 'live' or 'test'.", 'env');
      }
      const format = input.format ?? 'parley';
      if (!KEY_FORMATS.includes(format)) {
        throw AppError.invalid(
          'invalid_format',
          `The key format must be one of: ${KEY_FORMATS.join(', ')}.`,
          'format',
        );
      }
      const workspace = await resolveWorkspace(input.workspace);
      const created = await deps.apiKeys.create(
        workspace.id,
        input.environment,
        input.name,
        undefined,
        format,
      );
      return {
        ...presentApiKey(created.row),
        key: created.secret,
        workspace_id: presentWorkspaceRow(workspace).id,
      };
    },
    async listKeys(input) {
      const workspace = await resolveWorkspace(input.workspace);
      const rows = await deps.apiKeys.list({ workspaceId: workspace.id }, { limit: 10_000, beforeId: null });
      return { workspace_id: presentWorkspaceRow(workspace).id, keys: rows.map(presentApiKey) };
    },
    async revokeKey(input) {
      const revoked = await deps.apiKeys.revoke(null, decodeId('key', input.id, 'id'));
      if (!revoked) throw AppError.notFound('API key', input.id);
      return presentApiKey(revoked);
    },
  };
}

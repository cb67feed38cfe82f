// Workspaces: the tenant. Created by the CLI (or at first start), each on a plan.
import type { Database } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import { newUuid } from '../../lib/ids.ts';
import type { ApiKeyService, CreatedKey } from './api-key-service.ts';
import type { PlanTable } from './plans.ts';
import * as repo from './workspace-repository.ts';

export interface WorkspaceServiceDeps {
  db: Database;
  plans: PlanTable;
  apiKeys: ApiKeyService;
}

export interface Bootstrap {
  workspace: repo.WorkspaceRow;
  /** The keys created at first start, shown once; empty on later starts. */
  keys: CreatedKey[];
}

export function createWorkspaceService(deps: WorkspaceServiceDeps) {
  const { db } = deps;

  function checkPlan(plan: string): void {
    if (!deps.plans[plan]) {
      throw AppError.invalid(
        'unknown_plan',
        `Unknown plan '${plan}'. Known plans: ${Object.keys(deps.plans).join(', ')}.`,
        'plan',
      );
    }
  }

  return {
    async create(input: { name: string; plan: string }): Promise<repo.WorkspaceRow> {
      const name = input.name.trim();
      if (!name || name.length > 200) {
        throw AppError.invalid('invalid_name', 'A workspace name must be 1 to 200 characters.', 'name');
      }
      checkPlan(input.plan);
      return repo.insertWorkspace(db.orm, { id: newUuid(), name, plan: input.plan });
    },

    list: () => repo.listWorkspaces(db.orm),

    async get(id: string): Promise<repo.WorkspaceRow> {
      const workspace = await repo.findWorkspace(db.orm, id);
      if (!workspace) throw AppError.notFound('workspace', id);
      return workspace;
    },

    async getDefault(): Promise<repo.WorkspaceRow> {
      const workspace = await repo.findDefaultWorkspace(db.orm);
      if (!workspace) {
        throw AppError.invalid(
          'no_default_workspace',
          'There is no default workspace yet: start the server once (npm start), or pass --workspace ID.',
          'workspace',
        );
      }
      return workspace;
    },

    /**
     * First start: creates the default workspace (enterprise plan) with one live and one
     * test key. Later starts find it and create nothing. Safe when several nodes start at once.
     */
    async ensureDefault(): Promise<Bootstrap> {
      // One transaction: a crash half-way leaves neither a workspace without keys nor keys without one.
      return db.orm.transaction(async (tx) => {
        // Serialises concurrent first starts on one PostgreSQL server.
        await tx.execute('SELECT pg_advisory_xact_lock(727002)');
        const existing = await repo.findDefaultWorkspace(tx);
        if (existing) return { workspace: existing, keys: [] };
        const workspace = await repo.insertWorkspace(tx, {
          id: newUuid(),
          name: 'Default workspace',
          plan: 'enterprise',
          isDefault: true,
        });
        const keys = [
          await deps.apiKeys.create(workspace.id, 'live', 'Default live key', tx),
          await deps.apiKeys.create(workspace.id, 'test', 'Default test key', tx),
        ];
        return { workspace, keys };
      });
    },
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;

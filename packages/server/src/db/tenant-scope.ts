// The tenant scope: the workspace and environment of the authenticated key. Every repository
// query on a tenant table filters on both, so no key reads or changes another tenant's rows.
import { and, eq, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

export interface Scope {
  workspaceId: string;
  environment: 'live' | 'test';
}

/** The condition that keeps a query on `table` (with tenantColumns()) to the scope's rows. */
export function inScope(table: { workspaceId: PgColumn; environment: PgColumn }, scope: Scope): SQL {
  return and(eq(table.workspaceId, scope.workspaceId), eq(table.environment, scope.environment)) as SQL;
}

// The names of the operator actions: what the admin socket accepts and what the CLI's client
// sends. Apart from their implementations, so that the CLI loads none of those to reach a server.
import type { AdminOps } from './admin-ops.ts';

export const ADMIN_OPERATIONS = [
  'createWorkspace',
  'listWorkspaces',
  'createKey',
  'listKeys',
  'revokeKey',
  'createBot',
  'listBots',
  'addSource',
  'getSource',
  'listSources',
  'chat',
  'addChannel',
  'listChannels',
  'testChannel',
  'createLoop',
  'listLoops',
  'getLoop',
  'runLoop',
  'listLoopExecutions',
  'getLoopExecution',
  'decideLoopExecution',
  'retryLoopExecution',
  'createUser',
  'listUsers',
] as const satisfies readonly (keyof AdminOps)[];

// Every operation of AdminOps is listed: the type check fails on one left out.
type Unlisted = Exclude<keyof AdminOps, (typeof ADMIN_OPERATIONS)[number]>;
export const EVERY_OPERATION_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;

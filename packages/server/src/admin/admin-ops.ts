// Operator actions behind the CLI. The same functions run in-process (the CLI opened the
// database itself) or inside the running server, reached over its local socket.
import type { Context } from '../runtime/context.ts';
import { CHAT_OPERATIONS, type ChatAdminOps, chatAdminOps } from './admin-ops-chat.ts';
import { CHATBOT_OPERATIONS, type ChatbotAdminOps, chatbotAdminOps } from './admin-ops-chatbots.ts';
import { SOURCE_OPERATIONS, type SourceAdminOps, sourceAdminOps } from './admin-ops-sources.ts';
import { WORKSPACE_OPERATIONS, type WorkspaceAdminOps, workspaceAdminOps } from './admin-ops-workspaces.ts';

export type AdminOps = WorkspaceAdminOps & ChatbotAdminOps & SourceAdminOps & ChatAdminOps;

export const ADMIN_OPERATIONS = [
  ...WORKSPACE_OPERATIONS,
  ...CHATBOT_OPERATIONS,
  ...SOURCE_OPERATIONS,
  ...CHAT_OPERATIONS,
] as const;

export function createAdminOps(context: Context): AdminOps {
  return {
    ...workspaceAdminOps(context),
    ...chatbotAdminOps(context),
    ...sourceAdminOps(context),
    ...chatAdminOps(context),
  };
}

// Operator actions behind the CLI. The same functions run in-process (the CLI opened the
// database itself) or inside the running server, reached over its local socket.
import type { Context } from '../runtime/context.ts';
import { type ChannelAdminOps, channelAdminOps } from './admin-ops-channels.ts';
import { type ChatAdminOps, chatAdminOps } from './admin-ops-chat.ts';
import { type ChatbotAdminOps, chatbotAdminOps } from './admin-ops-chatbots.ts';
import { type LoopAdminOps, loopAdminOps } from './admin-ops-loops.ts';
import { type SourceAdminOps, sourceAdminOps } from './admin-ops-sources.ts';
import { type UserAdminOps, userAdminOps } from './admin-ops-users.ts';
import { type WorkspaceAdminOps, workspaceAdminOps } from './admin-ops-workspaces.ts';

export type AdminOps = WorkspaceAdminOps &
  ChatbotAdminOps &
  SourceAdminOps &
  ChatAdminOps &
  ChannelAdminOps &
  LoopAdminOps &
  UserAdminOps;

/** `baseUrl`: where invitation links point (the running server's address when it is known). */
export function createAdminOps(context: Context, options: { baseUrl?: string } = {}): AdminOps {
  return {
    ...workspaceAdminOps(context),
    ...chatbotAdminOps(context),
    ...sourceAdminOps(context),
    ...chatAdminOps(context),
    ...channelAdminOps(context),
    ...loopAdminOps(context),
    ...userAdminOps({
      ...context,
      baseUrl:
        context.config.publicUrl ?? options.baseUrl ?? `http://${context.config.host}:${context.config.port}`,
    }),
  };
}

// SQL of the widget: finding a chatbot by id alone (a public request carries no key, so the
// bot's own workspace and environment become the scope) and its identity secret.
import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { chatbots, workspaces } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import type { ChatbotRow } from '../chatbots/chatbot-schemas.ts';

export async function findPublicChatbot(
  db: Executor,
  id: string,
): Promise<{ bot: ChatbotRow; plan: string } | null> {
  const [row] = await db
    .select({ bot: chatbots, plan: workspaces.plan })
    .from(chatbots)
    .innerJoin(workspaces, eq(workspaces.id, chatbots.workspaceId))
    .where(and(eq(chatbots.id, id), isNull(chatbots.deletedAt)));
  return row ?? null;
}

/** Sets (a sealed secret) or clears (null) the bot's identity secret; false when there is no such bot. */
export async function setIdentitySecret(
  db: Executor,
  scope: Scope,
  id: string,
  sealed: string | null,
): Promise<boolean> {
  const now = new Date();
  const updated = await db
    .update(chatbots)
    .set({ identitySecret: sealed, identitySecretCreatedAt: sealed ? now : null, updatedAt: now })
    .where(
      and(
        eq(chatbots.id, id),
        eq(chatbots.workspaceId, scope.workspaceId),
        eq(chatbots.environment, scope.environment),
        isNull(chatbots.deletedAt),
      ),
    )
    .returning({ id: chatbots.id });
  return updated.length > 0;
}

// What a widget visitor can do without an API key: read the bot's widget settings, chat, read
// and follow their own conversation, leave their email, ask for a person, rate a reply. The
// chatbot's workspace and environment are the scope; the conversation token is the key.
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, encodeId } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { ChatService, PreparedTurn } from '../chat/chat-service.ts';
import type { ChatbotRow } from '../chatbots/chatbot-schemas.ts';
import type { HandoffService } from '../conversations/conversation-handoff.ts';
import type { ConversationRow } from '../conversations/conversation-schemas.ts';
import type { ConversationService, Visitor } from '../conversations/conversation-service.ts';
import type { LeadService } from '../leads/lead-service.ts';
import type { PlanTable } from '../workspaces/plans.ts';
import type { ConversationTokens } from './conversation-token.ts';
import { type IdentityClaim, identityVerified } from './identity.ts';
import { originAllowed } from './widget-origins.ts';
import * as repo from './widget-repository.ts';

/** A public request admitted for one chatbot: the bot, its scope and its workspace's limits. */
export interface WidgetAccess {
  bot: ChatbotRow;
  scope: Scope;
  limits: { messages_per_month: number | null };
}

export interface PublicChatInput {
  message: string;
  conversation_id?: string;
  visitor?: { id?: string };
  identity?: IdentityClaim;
}

export function createWidgetService(deps: {
  db: Database;
  secretBox: SecretBox;
  tokens: ConversationTokens;
  plans: PlanTable;
  chat: Pick<ChatService, 'prepare'>;
  conversations: ConversationService;
  handoff: HandoffService;
  leads: LeadService;
}) {
  /** The conversation a token opens: 401 without a valid token for it, 404 when it is gone. */
  async function openConversation(
    access: WidgetAccess,
    wireId: string,
    token: string | undefined,
  ): Promise<ConversationRow> {
    const id = decodeId('conv', wireId, 'conversation_id');
    await deps.tokens.check(token, access.bot.id, id);
    return deps.conversations.getForBot(access.scope, access.bot.id, wireId);
  }

  /** Who the visitor is: a signed identity when it verifies, else only their anonymous id. */
  function visitorOf(bot: ChatbotRow, input: PublicChatInput): Visitor | undefined {
    const claim = input.identity;
    if (claim && bot.identitySecret && identityVerified(deps.secretBox.decrypt(bot.identitySecret), claim)) {
      return { id: claim.user_id, email: claim.email, name: claim.name, verified: true };
    }
    // An identity that does not verify is ignored: the visitor chats as an anonymous one. Their
    // anonymous id is recorded when the conversation starts, never over a verified one later.
    return input.visitor?.id && !input.conversation_id ? { id: input.visitor.id } : undefined;
  }

  return {
    /** 404 for an unknown bot; 403 when the request's origin may not embed it. */
    async admit(chatbotWireId: string, origin: string | null): Promise<WidgetAccess> {
      const id = decodeId('bot', chatbotWireId, 'id');
      const found = await repo.findPublicChatbot(deps.db.orm, id);
      if (!found) throw AppError.notFound('chatbot', chatbotWireId);
      const { bot } = found;
      if (!origin || !originAllowed(origin, bot.widgetSettings.allowed_origins)) {
        throw new AppError(
          'permission_error',
          'origin_not_allowed',
          origin
            ? `The site ${origin} may not use this chatbot: add it to the chatbot's widget_settings.allowed_origins.`
            : 'Requests to the public API must come from a web page on one of the chatbot’s allowed origins.',
        );
      }
      return {
        bot,
        scope: { workspaceId: bot.workspaceId, environment: bot.environment },
        limits: { messages_per_month: deps.plans[found.plan]?.messages_per_month ?? null },
      };
    },

    /** 401 unless the token opens this conversation of the bot; reads nothing from the database. */
    async checkToken(access: WidgetAccess, wireId: string, token: string | undefined): Promise<void> {
      await deps.tokens.check(token, access.bot.id, decodeId('conv', wireId, 'conversation_id'));
    },

    /** Checks the token of an existing conversation, then stores the visitor's message. */
    async prepareChat(access: WidgetAccess, input: PublicChatInput, token: string | undefined) {
      const visitor = visitorOf(access.bot, input);
      if (input.conversation_id) {
        const conversation = await openConversation(access, input.conversation_id, token);
        // A signed-in visitor's conversation is theirs alone: on a shared browser the next person
        // holds its token too, and must not read on in it or be filed under it.
        if (conversation.verified && !(visitor?.verified && visitor.id === conversation.visitorId)) {
          throw new AppError(
            'permission_error',
            'conversation_of_another_visitor',
            'This conversation belongs to another signed-in visitor: start a new one (leave out conversation_id).',
          );
        }
      }
      return deps.chat.prepare(
        access.scope,
        access.limits,
        access.bot.id,
        {
          message: input.message,
          conversation_id: input.conversation_id,
          visitor,
        },
        'widget',
      );
    },

    /** A fresh token for the conversation of this turn. */
    tokenFor(turn: Pick<PreparedTurn, 'bot' | 'conversation'>): Promise<string> {
      return deps.tokens.issue(turn.bot.id, turn.conversation.id);
    },

    openConversation,

    async escalate(access: WidgetAccess, wireId: string, token: string | undefined, reason?: string) {
      const conversation = await openConversation(access, wireId, token);
      if (!access.bot.handoffSettings.enabled) {
        throw new AppError(
          'conflict_error',
          'handoff_disabled',
          'This chatbot does not hand conversations to people.',
        );
      }
      const escalation = await deps.handoff.escalate(access.scope, conversation.id, {
        trigger: 'visitor_request',
        reason: reason ?? null,
      });
      return escalation.conversation;
    },

    /** The visitor rates the help they got, once the conversation is resolved. */
    async rate(
      access: WidgetAccess,
      wireId: string,
      token: string | undefined,
      input: { rating: number; comment?: string },
    ) {
      const conversation = await openConversation(access, wireId, token);
      return deps.conversations.rate(access.scope, conversation.id, input);
    },

    async captureLead(
      access: WidgetAccess,
      input: { email?: string; phone?: string; country?: string; name?: string; conversation_id?: string },
      token: string | undefined,
    ): Promise<void> {
      const conversation = input.conversation_id
        ? await openConversation(access, input.conversation_id, token)
        : null;
      const { conversation_id: _, ...details } = input;
      await deps.leads.capture(
        access.scope,
        access.bot.id,
        { ...details, ...(conversation ? { conversationId: conversation.id } : {}) },
        'widget',
      );
    },

    /** Rates a reply of the visitor's own conversation. */
    async feedback(
      access: WidgetAccess,
      input: { message_id: string; rating: 'up' | 'down'; comment?: string },
      token: string | undefined,
    ) {
      const id = decodeId('msg', input.message_id, 'message_id');
      const message = await deps.conversations.message(access.scope, id);
      if (!message || message.chatbotId !== access.bot.id)
        throw AppError.notFound('message', input.message_id);
      await openConversation(access, encodeId('conv', message.conversationId), token);
      return deps.conversations.feedback(access.scope, input.message_id, input);
    },

    /** Creates or replaces the bot's identity secret; returns it in clear, once per call. */
    async rotateIdentitySecret(scope: Scope, chatbotId: string, secret: string): Promise<void> {
      const done = await repo.setIdentitySecret(
        deps.db.orm,
        scope,
        chatbotId,
        deps.secretBox.encrypt(secret),
      );
      if (!done) throw AppError.notFound('chatbot', encodeId('bot', chatbotId));
    },

    async removeIdentitySecret(scope: Scope, chatbotId: string): Promise<void> {
      const done = await repo.setIdentitySecret(deps.db.orm, scope, chatbotId, null);
      if (!done) throw AppError.notFound('chatbot', encodeId('bot', chatbotId));
    },
  };
}

export type WidgetService = ReturnType<typeof createWidgetService>;

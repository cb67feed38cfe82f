// One chat turn: checks, quota, retrieval, storing the visitor's message, then the reply (JSON or
// streamed), stored with its model, usage, latency, retrieved chunks and citations.
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId } from '../../lib/ids.ts';
import { codePointLength } from '../../lib/text.ts';
import type { ChatbotRow } from '../chatbots/chatbot-schemas.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import { asksForHuman, type Escalation, type HandoffService } from '../conversations/conversation-handoff.ts';
import type { ConversationRow, MessageRow } from '../conversations/conversation-schemas.ts';
import type { ConversationService, Visitor } from '../conversations/conversation-service.ts';
import type { IntegrationService } from '../integrations/integration-service.ts';
import { findEmail } from '../leads/lead-email.ts';
import { findPhone, parsePhone } from '../leads/lead-phone.ts';
import type { LeadService } from '../leads/lead-service.ts';
import { ProviderError } from '../providers/provider-errors.ts';
import type { ProviderRegistry } from '../providers/provider-registry.ts';
import type { ChatTurn, GenerateResult, TextModel } from '../providers/provider-types.ts';
import type { RetrievalService, RetrievedChunk } from '../retrieval/retrieval-service.ts';
import type { Reservation, UsageService } from '../usage/usage-service.ts';
import {
  followUpContext,
  HISTORY_MESSAGES,
  historyWithinBudget,
  REWRITE_SYSTEM_PROMPT,
  systemPrompt,
} from './chat-prompt.ts';
import { composeReply, type ReplyParts } from './chat-reply.ts';

export interface ChatInput {
  message: string;
  conversation_id?: string;
  visitor?: Visitor;
  metadata?: Record<string, unknown>;
  /**
   * What a messaging platform vouches for about the sender (an email channel's From, a WhatsApp
   * number): it makes a lead, or joins the one an address or number written in chat makes. Never
   * from a request body.
   */
  contact?: PlatformContact;
}

export interface PlatformContact {
  email?: string;
  phone?: string;
  name?: string;
}

/** A turn whose visitor message is stored; the reply is still to come (or not: human mode). */
export interface PreparedTurn {
  scope: Scope;
  bot: ChatbotRow;
  conversation: ConversationRow;
  userMessage: MessageRow;
  /** Human mode: the bot stays quiet; an agent answers. */
  mode: 'ai' | 'human';
  chunks: RetrievedChunk[];
  model: TextModel;
  integrationId: string | null;
  /** The integration's status before this turn: a success heals a failing one. */
  integrationStatus: string | null;
  history: ChatTurn[];
  reservation: Reservation | null;
  rewriteUsage: { inputTokens: number; outputTokens: number };
  startedAt: number;
  /** Set when this turn handed the conversation to a human. */
  escalation: Escalation | null;
}

export interface ChatReply {
  conversation: ConversationRow;
  userMessage: MessageRow;
  message: MessageRow;
  /** Set when the reply was a fallback too many in a row and a human took over. */
  escalation: Escalation | null;
}

export interface AnswerOptions {
  /** Aborted when the client goes away: the provider call stops, the partial reply is kept. */
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
}

export function createChatService(deps: {
  db: Database;
  logger: Logger;
  chatbots: ChatbotService;
  integrations: IntegrationService;
  providers: ProviderRegistry;
  retrieval: RetrievalService;
  conversations: ConversationService;
  handoff: HandoffService;
  leads: LeadService;
  usage: UsageService;
  maxMessageChars: number;
}) {
  /**
   * An email address or a phone number (international format) written in chat becomes a lead,
   * and so does the sender's address or number as a messaging platform gives it (an email's From,
   * a WhatsApp number), when the bot asks for that.
   */
  async function captureLead(
    scope: Scope,
    bot: ChatbotRow,
    conversation: ConversationRow,
    text: string,
    contact?: PlatformContact,
  ) {
    if (!bot.leadSettings.capture_from_chat) return;
    const writtenEmail = findEmail(text);
    const writtenPhone = findPhone(text);
    // The sender's address, number and name are theirs: they go with what they wrote only when it
    // is not someone else's (an address or number other than the platform's), never with details
    // of another person they mention.
    const contactPhone = contact?.phone ? parsePhone(contact.phone) : null;
    const ownPhoneKey = contactPhone && typeof contactPhone !== 'string' ? contactPhone.key : null;
    const own =
      (!writtenEmail || !contact?.email || writtenEmail.toLowerCase() === contact.email.toLowerCase()) &&
      (!writtenPhone || !ownPhoneKey || writtenPhone.key === ownPhoneKey);
    const email = writtenEmail ?? (own ? contact?.email : undefined);
    const phone = writtenPhone?.display ?? (own ? contact?.phone : undefined);
    if (!email && !phone) return;
    const details = {
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      ...(own && contact?.name ? { name: contact.name } : {}),
      // The platform's number (written again or not): the sender's phone-only lead may gain their
      // address.
      phoneVouched: own && ownPhoneKey !== null,
    };
    try {
      await deps.leads.capture(scope, bot.id, { ...details, conversationId: conversation.id }, 'chat');
    } catch (error) {
      // A malformed address or number must not cost the visitor their answer.
      deps.logger.warn({ err: (error as Error).message }, 'lead capture from chat failed');
    }
  }

  function humanTurn(
    base: Pick<PreparedTurn, 'scope' | 'bot' | 'conversation' | 'userMessage' | 'startedAt'>,
    escalation: Escalation | null,
  ): PreparedTurn {
    return {
      ...base,
      conversation: escalation?.conversation ?? base.conversation,
      mode: 'human',
      chunks: [],
      model: deps.providers.textModel(null),
      integrationId: null,
      integrationStatus: null,
      history: [],
      reservation: null,
      rewriteUsage: { inputTokens: 0, outputTokens: 0 },
      escalation,
    };
  }

  function checkMessage(message: string): string {
    const trimmed = message.trim();
    // Zero-width characters (U+200B–U+200D, U+2060, U+FEFF) show nothing either.
    if (!trimmed.replace(/[\u200b-\u200d\u2060\ufeff]/g, ''))
      throw AppError.invalid('invalid_parameter', "The field 'message' must not be blank.", 'message');
    // Characters as a person counts them: an emoji is one, though it takes two UTF-16 units.
    const characters = codePointLength(message);
    if (characters > deps.maxMessageChars) {
      throw AppError.invalid(
        'message_too_long',
        `The message is ${characters} characters long; the limit is ${deps.maxMessageChars}.`,
        'message',
      );
    }
    return trimmed;
  }

  /** The question to search for: rewritten by the LLM when the conversation has history. */
  async function searchQuery(
    question: string,
    history: ChatTurn[],
    model: TextModel,
  ): Promise<{
    query: string;
    context?: string | null;
    usage: { inputTokens: number; outputTokens: number };
  }> {
    const none = { inputTokens: 0, outputTokens: 0 };
    if (history.length === 0) return { query: question, usage: none };
    if (model.provider === 'extractive') {
      const previous = history.filter((turn) => turn.role === 'user').at(-1)?.content;
      return { query: question, context: followUpContext(question, previous), usage: none };
    }
    try {
      const result = await model.generate({
        system: REWRITE_SYSTEM_PROMPT,
        messages: historyWithinBudget(history.slice(-6), question, 600),
        temperature: 0,
        maxOutputTokens: 80,
      });
      const rewritten = result.text.trim().replace(/^"|"$/g, '');
      return { query: rewritten || question, usage: result.usage };
    } catch (error) {
      // The answer call that follows reports a real outage; a failed rewrite alone is not one.
      deps.logger.warn(
        { err: (error as Error).message },
        'question rewrite failed; searching the question as asked',
      );
      return { query: question, usage: none };
    }
  }

  async function prepare(
    scope: Scope,
    limits: { messages_per_month: number | null },
    chatbotId: string,
    input: ChatInput,
    channel = 'api',
  ): Promise<PreparedTurn> {
    const startedAt = performance.now();
    const question = checkMessage(input.message);
    const bot = await deps.chatbots.get(scope, chatbotId);
    // An empty id is a malformed one (400), not "no conversation": leave the field out for a new one.
    const existing =
      input.conversation_id !== undefined
        ? await deps.conversations.getForBot(scope, bot.id, input.conversation_id)
        : null;
    // A paused bot answers nobody; a conversation a person has taken over goes on with them.
    if (!bot.isActive && existing?.mode !== 'human') {
      throw new AppError(
        'conflict_error',
        'chatbot_inactive',
        `The chatbot '${encodeId('bot', bot.id)}' is paused.`,
      );
    }

    const visitorMessage = {
      content: question,
      visitor: input.visitor,
      metadata: input.metadata,
      channel,
    };
    const handoff = bot.handoffSettings;
    const wantsHuman = handoff.enabled && asksForHuman(question, handoff.phrases);
    if (existing?.mode === 'human' || wantsHuman) {
      // The bot stays quiet: the message waits for a human (and asks for one, if it did).
      const stored = await deps.conversations.addVisitorMessage(scope, bot, existing, visitorMessage);
      await captureLead(scope, bot, stored.conversation, question, input.contact);
      const escalation =
        stored.conversation.mode === 'human'
          ? null
          : await deps.handoff.escalate(scope, stored.conversation.id, {
              trigger: 'visitor_request',
              reason: question,
            });
      return humanTurn({ scope, bot, ...stored, startedAt }, escalation);
    }

    // Refused before any work; counted only with the stored message, in its transaction.
    await deps.usage.checkAvailable(scope, limits.messages_per_month);
    // Test mode never calls a paid provider.
    const enabled = scope.environment === 'live' ? await deps.integrations.enabledFor(scope, bot.id) : null;
    const model = deps.providers.textModel(enabled?.connection ?? null);
    const history = existing ? await deps.conversations.history(existing.id, HISTORY_MESSAGES) : [];
    const { query, context, usage } = await searchQuery(question, history, model);
    const chunks = await deps.retrieval.search(scope, bot, query, { context });
    let reservation: Reservation | null = null;
    const stored = await deps.conversations.addVisitorMessage(
      scope,
      bot,
      existing,
      visitorMessage,
      async (tx) => {
        reservation = await deps.usage.reserveMessage(scope, limits.messages_per_month, tx);
      },
    );
    await captureLead(scope, bot, stored.conversation, question, input.contact);
    return {
      scope,
      bot,
      ...stored,
      mode: 'ai',
      chunks,
      model,
      integrationId: enabled?.row.id ?? null,
      integrationStatus: enabled?.row.status ?? null,
      history,
      reservation,
      rewriteUsage: usage,
      startedAt,
      escalation: null,
    };
  }

  async function callModel(
    turn: PreparedTurn,
    options: AnswerOptions,
  ): Promise<{ result: GenerateResult; interrupted: boolean }> {
    const { bot, model, chunks } = turn;
    const passages = chunks.map((chunk) => ({
      id: chunk.chunkId,
      title: chunk.title,
      url: chunk.url,
      heading: chunk.heading,
      text: chunk.text,
      score: chunk.score,
    }));
    const request = {
      system: systemPrompt(bot.systemPrompt, bot.fallbackMessage, passages),
      messages: historyWithinBudget(turn.history, turn.userMessage.content),
      passages,
      fallbackMessage: bot.fallbackMessage,
      temperature: bot.modelSettings.temperature,
      maxOutputTokens: bot.modelSettings.max_output_tokens,
      signal: options.signal,
    };
    if (!options.onDelta) return { result: await model.generate(request), interrupted: false };
    let text = '';
    try {
      for await (const part of model.stream(request)) {
        if (part.type === 'delta') {
          text += part.text;
          options.onDelta(part.text);
        } else {
          return { result: part.result, interrupted: false };
        }
      }
    } catch (error) {
      if (!options.signal?.aborted) throw error;
    }
    // The client went away: what was said so far is stored, marked as cut short.
    return {
      result: { text, usage: { inputTokens: 0, outputTokens: 0 }, model: model.model, finishReason: 'other' },
      interrupted: true,
    };
  }

  async function answer(turn: PreparedTurn, options: AnswerOptions = {}): Promise<ChatReply> {
    if (turn.mode === 'human') throw new Error('answer() called on a turn in human mode');
    const { bot, model, chunks } = turn;
    let parts: ReplyParts;
    // No relevant knowledge: the fallback, without spending a provider call. The offline answerer
    // costs nothing and still answers small talk ("hello").
    if (chunks.length === 0 && model.provider !== 'extractive') {
      options.onDelta?.(bot.fallbackMessage);
      parts = composeReply(bot, chunks, {
        text: bot.fallbackMessage,
        usage: { inputTokens: 0, outputTokens: 0 },
        model: model.model,
        finishReason: 'stop',
        grounded: false,
      });
    } else {
      let outcome: Awaited<ReturnType<typeof callModel>>;
      try {
        outcome = await callModel(turn, options);
      } catch (error) {
        await deps.usage.release(turn.reservation);
        if (error instanceof ProviderError && turn.integrationId) {
          await deps.integrations.recordOutcome(
            turn.scope,
            await deps.integrations.get(turn.scope, turn.integrationId),
            error.message,
          );
        }
        throw error;
      }
      // A model that said nothing gets the fallback message in its place (composeReply): streamed too.
      if (!outcome.interrupted && !outcome.result.text.trim()) options.onDelta?.(bot.fallbackMessage);
      parts = composeReply(bot, chunks, outcome.result, outcome.interrupted);
      if (turn.integrationId && turn.integrationStatus === 'failing' && !outcome.interrupted) {
        const row = await deps.integrations.get(turn.scope, turn.integrationId);
        await deps.integrations.recordOutcome(turn.scope, row, null);
      }
    }
    const message = await deps.conversations.addBotReply(turn.scope, turn.conversation, {
      ...parts,
      provider: model.provider,
      inputTokens: parts.inputTokens + turn.rewriteUsage.inputTokens,
      outputTokens: parts.outputTokens + turn.rewriteUsage.outputTokens,
      latencyMs: Math.round(performance.now() - turn.startedAt),
    });
    // Fallbacks in a row: a human takes over rather than the bot failing again.
    const fallbacks = parts.fallback ? turn.conversation.consecutiveFallbacks + 1 : 0;
    const limit = bot.handoffSettings.after_fallbacks;
    const escalation =
      bot.handoffSettings.enabled && limit > 0 && fallbacks >= limit
        ? await deps.handoff.escalate(turn.scope, turn.conversation.id, {
            trigger: 'fallbacks',
            reason: null,
          })
        : null;
    return {
      conversation: escalation?.conversation ?? turn.conversation,
      userMessage: turn.userMessage,
      message,
      escalation,
    };
  }

  return { prepare, answer };
}

export type ChatService = ReturnType<typeof createChatService>;

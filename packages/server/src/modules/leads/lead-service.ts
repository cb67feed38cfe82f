// Leads: the contact details a visitor leaves, one lead per chatbot and email address. The API,
// the widget and the chat (an address written in a message) all capture through `capture`.
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId, newUuid } from '../../lib/ids.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import { recordEvent } from '../events/event-outbox.ts';
import { isEmail } from './lead-email.ts';
import * as repo from './lead-repository.ts';
import {
  type CapturedVia,
  type LeadRow,
  MAX_FIELD_NAME,
  MAX_LEAD_FIELDS,
  presentLead,
} from './lead-schemas.ts';

export interface CaptureInput {
  email: string;
  name?: string;
  phone?: string;
  /** A conversation (uuid) of the same chatbot; its customer email and name are set. */
  conversationId?: string;
  fields?: Record<string, unknown>;
}

/** Trims an optional text; a value that is only blanks is refused rather than stored. */
function cleanText(value: string | undefined, param: string): string | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (!trimmed) throw AppError.invalid('invalid_parameter', `The field '${param}' must not be blank.`, param);
  return trimmed;
}

// Checked here rather than in the schema: the validator would name 'fields' and speak of the
// length of a string, which reads as if the value were too long.
function checkFieldNames(fields: Record<string, unknown>): void {
  for (const name of Object.keys(fields)) {
    if (name.length === 0 || name.length > MAX_FIELD_NAME) {
      const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
      throw AppError.invalid(
        'invalid_parameter',
        `Field names are 1 to ${MAX_FIELD_NAME} characters long; '${shown}' has ${name.length}.`,
        'fields',
      );
    }
  }
}

function cleanEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (!isEmail(email)) {
    throw AppError.invalid('invalid_parameter', `'${value}' is not a valid email address.`, 'email');
  }
  return email;
}

export function createLeadService(deps: {
  db: Database;
  chatbots: Pick<ChatbotService, 'assertExists'>;
  conversations: Pick<ConversationService, 'get' | 'setCustomer'>;
}) {
  const { db } = deps;

  return {
    /**
     * Creates the chatbot's lead for this address, or updates it. Through the API (the team):
     * fields merged, earlier name and phone kept unless new ones are given, the conversation set
     * when given. From a visitor (widget, chat): an existing lead only gains the visitor's
     * conversation when it has none; the name they typed goes on their own conversation. The change, the
     * conversation's customer fields and the lead.captured event (only when the lead is new or
     * changed) are written in one transaction. Throws 404 for an unknown chatbot or a conversation
     * of another chatbot, 400 for a blank name or phone, an invalid address or field name.
     */
    async capture(
      scope: Scope,
      chatbotId: string,
      input: CaptureInput,
      via: CapturedVia,
    ): Promise<{ lead: LeadRow; created: boolean }> {
      const email = cleanEmail(input.email);
      const name = cleanText(input.name, 'name');
      const phone = cleanText(input.phone, 'phone');
      if (input.fields) checkFieldNames(input.fields);
      await deps.chatbots.assertExists(scope, chatbotId);
      const conversation = input.conversationId
        ? await deps.conversations.get(scope, input.conversationId)
        : null;
      if (conversation && conversation.chatbotId !== chatbotId) {
        throw AppError.notFound('conversation', encodeId('conv', conversation.id));
      }

      const authority: repo.CaptureAuthority = via === 'api' ? 'team' : 'visitor';
      return db.orm.transaction(async (tx) => {
        const upserted = await repo.upsertLead(
          tx,
          {
            id: newUuid(),
            workspaceId: scope.workspaceId,
            environment: scope.environment,
            chatbotId,
            conversationId: conversation?.id ?? null,
            email,
            name,
            phone,
            fields: input.fields ?? {},
            capturedVia: via,
          },
          authority,
        );
        // Null: the capture changed nothing. The upsert met the row and locked it until commit, so
        // it is still there to read back.
        const lead = upserted?.row ?? (await repo.findLeadByEmail(tx, scope, chatbotId, email));
        if (!lead) throw new Error('the lead locked by the upsert was not found');
        const created = upserted?.created ?? false;

        if (Object.keys(lead.fields).length > MAX_LEAD_FIELDS) {
          // Throwing rolls the merge back: the lead keeps the fields it had.
          throw AppError.invalid(
            'too_many_fields',
            `A lead has at most ${MAX_LEAD_FIELDS} fields; merging these would make ${Object.keys(lead.fields).length}.`,
            'fields',
          );
        }
        if (upserted) {
          await recordEvent(tx, scope, 'lead.captured', { ...presentLead(lead), created });
        }
        // A visitor's conversation shows what they said about themselves, not the stored lead's name.
        const customerName = authority === 'team' ? lead.name : name;
        if (
          conversation &&
          (conversation.customerEmail !== email ||
            (customerName !== null && conversation.customerName === null))
        ) {
          await deps.conversations.setCustomer(scope, conversation.id, { email, name: customerName }, tx);
        }
        return { lead, created };
      });
    },

    async get(scope: Scope, id: string): Promise<LeadRow> {
      const row = await repo.findLead(db.orm, scope, id);
      if (!row) throw AppError.notFound('lead', encodeId('lead', id));
      return row;
    },

    list: (scope: Scope, filter: repo.LeadFilter, page: { limit: number; beforeId: string | null }) =>
      repo.listLeads(db.orm, scope, filter, page),

    async remove(scope: Scope, id: string): Promise<void> {
      const deleted = await repo.deleteLead(db.orm, scope, id);
      if (!deleted) throw AppError.notFound('lead', encodeId('lead', id));
    },
  };
}

export type LeadService = ReturnType<typeof createLeadService>;

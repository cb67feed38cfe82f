// Leads: the contact details a visitor leaves, one lead per chatbot and email address, or per
// phone number for a lead with no address. The API, the widget, the chat (an address or number
// written in a message, a messaging platform's sender) and agent loops all capture through
// `capture`.
import type { Database, Executor } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId, newUuid } from '../../lib/ids.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import { recordEvent } from '../events/event-outbox.ts';
import { isEmail } from './lead-email.ts';
import { exportLeads } from './lead-export.ts';
import { MAX_PHONE_LENGTH, type Phone, parsePhone } from './lead-phone.ts';
import * as repo from './lead-repository.ts';
import {
  type CapturedVia,
  type LeadRow,
  MAX_FIELD_NAME,
  MAX_LEAD_FIELDS,
  presentLead,
} from './lead-schemas.ts';

export interface CaptureInput {
  /** At least one of email and phone. */
  email?: string;
  phone?: string;
  /** ISO 3166-1 alpha-2: the country a phone number without `+` is read in. */
  country?: string;
  /**
   * The phone is the sender's own, vouched for by a messaging platform (a WhatsApp number), not
   * typed by a visitor: their phone-only lead may gain the address they give.
   */
  phoneVouched?: boolean;
  name?: string;
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

function cleanPhone(value: string, country: string | undefined): Phone {
  const phone = parsePhone(value, country);
  if (typeof phone !== 'string') return phone;
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  switch (phone) {
    case 'blank':
      throw AppError.invalid('invalid_parameter', "The field 'phone' must not be blank.", 'phone');
    case 'too_long':
      throw AppError.invalid(
        'invalid_parameter',
        `A phone number has at most ${MAX_PHONE_LENGTH} characters; '${shown}' has ${value.length}.`,
        'phone',
      );
    case 'unknown_country':
      throw AppError.invalid(
        'invalid_parameter',
        `'${country}' is not a country code: send an ISO 3166-1 alpha-2 code such as 'DE' or 'US'.`,
        'country',
      );
    case 'no_country':
      throw AppError.invalid(
        'invalid_parameter',
        `'${shown}' has no country code: write it in international format, with + and the country code (e.g. +49 151 12345678), or send 'country'.`,
        'phone',
      );
    case 'not_a_number':
      throw AppError.invalid('invalid_parameter', `'${shown}' is not a valid phone number.`, 'phone');
  }
}

export function createLeadService(deps: {
  db: Database;
  chatbots: Pick<ChatbotService, 'assertExists'>;
  conversations: Pick<ConversationService, 'get' | 'setCustomer'>;
}) {
  const { db } = deps;

  /**
   * An address's capture. When the chatbot has no lead with that address yet but has a phone-only
   * lead of this person (of the capture's number, when the team sends it or a platform vouches
   * for it; or captured in the same conversation), that lead gains the address rather than a
   * second lead being made. When both exist, the address's lead is updated and the phone-only
   * one stays as it was.
   */
  async function captureEmail(
    tx: Executor,
    scope: Scope,
    row: repo.LeadValues & { email: string },
    authority: repo.CaptureAuthority,
    byPhone: boolean,
  ): Promise<{ lead: LeadRow; created: boolean; changed: boolean }> {
    await repo.lockCapture(tx, row.chatbotId, row.email);
    if (!(await repo.findLeadByEmail(tx, scope, row.chatbotId, row.email))) {
      const candidate =
        (byPhone && row.phoneKey
          ? await repo.findPhoneOnlyLead(tx, scope, row.chatbotId, row.phoneKey)
          : null) ??
        (row.conversationId
          ? await repo.findPhoneOnlyLeadOfConversation(tx, scope, row.chatbotId, row.conversationId)
          : null);
      if (candidate?.phoneKey) {
        await repo.lockCapture(tx, row.chatbotId, candidate.phoneKey);
        const upgraded = await repo.updateLead(tx, scope, candidate.id, row, authority, row.email);
        if (upgraded) return { lead: upgraded, created: false, changed: true };
      }
    }
    const upserted = await repo.upsertLead(tx, row, authority);
    // Null: the capture changed nothing. The upsert met the row and locked it until commit, so
    // it is still there to read back.
    const lead = upserted?.row ?? (await repo.findLeadByEmail(tx, scope, row.chatbotId, row.email));
    if (!lead) throw new Error('the lead locked by the upsert was not found');
    return { lead, created: upserted?.created ?? false, changed: upserted !== null };
  }

  /**
   * A number's capture, with no address: the lead with an address that has this number when there
   * is one, else the chatbot's phone-only lead of the number.
   */
  async function capturePhone(
    tx: Executor,
    scope: Scope,
    row: repo.LeadValues & { phoneKey: string },
    authority: repo.CaptureAuthority,
  ): Promise<{ lead: LeadRow; created: boolean; changed: boolean }> {
    await repo.lockCapture(tx, row.chatbotId, row.phoneKey);
    const withEmail = await repo.findEmailLeadByPhone(tx, scope, row.chatbotId, row.phoneKey);
    if (withEmail) {
      const updated = await repo.updateLead(tx, scope, withEmail.id, row, authority);
      if (updated) return { lead: updated, created: false, changed: true };
      const unchanged = await repo.findLead(tx, scope, withEmail.id);
      if (unchanged) return { lead: unchanged, created: false, changed: false };
    }
    const upserted = await repo.upsertPhoneOnlyLead(tx, row, authority);
    const lead = upserted?.row ?? (await repo.findPhoneOnlyLead(tx, scope, row.chatbotId, row.phoneKey));
    if (!lead) throw new Error('the lead locked by the upsert was not found');
    return { lead, created: upserted?.created ?? false, changed: upserted !== null };
  }

  return {
    /**
     * Creates the chatbot's lead for this address or number, or updates it (see captureEmail and
     * capturePhone for which lead that is). Through the API (the team): fields merged, earlier
     * name and phone kept unless new ones are given, the conversation set when given. From a
     * visitor (widget, chat): an existing lead only gains the visitor's conversation when it has
     * none (and a phone-only lead of theirs their address); the name they typed goes on their own
     * conversation. The change, the conversation's customer fields and the lead.captured event
     * (only when the lead is new or changed) are written in one transaction. Throws 404 for an
     * unknown chatbot or a conversation of another chatbot, 400 when neither an address nor a
     * number is given, for a blank name, an invalid address, number, country or field name.
     */
    async capture(
      scope: Scope,
      chatbotId: string,
      input: CaptureInput,
      via: CapturedVia,
    ): Promise<{ lead: LeadRow; created: boolean }> {
      const email = input.email === undefined ? null : cleanEmail(input.email);
      const phone = input.phone === undefined ? null : cleanPhone(input.phone, input.country);
      if (!email && !phone) {
        throw AppError.invalid(
          'missing_required_field',
          "A lead needs an email address or a phone number: send 'email', 'phone' or both.",
          'email',
        );
      }
      const name = cleanText(input.name, 'name');
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
        const row = {
          id: newUuid(),
          workspaceId: scope.workspaceId,
          environment: scope.environment,
          chatbotId,
          conversationId: conversation?.id ?? null,
          name,
          phone: phone?.display ?? null,
          phoneKey: phone?.key ?? null,
          fields: input.fields ?? {},
          capturedVia: via,
        };
        const { lead, created, changed } = email
          ? await captureEmail(
              tx,
              scope,
              { ...row, email },
              authority,
              authority === 'team' || !!input.phoneVouched,
            )
          : await capturePhone(tx, scope, { ...row, email: null, phoneKey: phone!.key }, authority);

        if (Object.keys(lead.fields).length > MAX_LEAD_FIELDS) {
          // Throwing rolls the merge back: the lead keeps the fields it had.
          throw AppError.invalid(
            'too_many_fields',
            `A lead has at most ${MAX_LEAD_FIELDS} fields; merging these would make ${Object.keys(lead.fields).length}.`,
            'fields',
          );
        }
        if (changed) {
          await recordEvent(tx, scope, 'lead.captured', { ...presentLead(lead), created });
        }
        // A visitor's conversation shows what they said about themselves, not the stored lead's
        // name, nor the address of a lead their number matched (it may be someone else's number);
        // the team's, and a platform's vouched number, show the lead's.
        const customerName = authority === 'team' ? lead.name : name;
        const customerEmail = authority === 'team' || input.phoneVouched ? (lead.email ?? email) : email;
        if (
          conversation &&
          ((customerEmail !== null && conversation.customerEmail !== customerEmail) ||
            (customerName !== null && conversation.customerName === null))
        ) {
          await deps.conversations.setCustomer(
            scope,
            conversation.id,
            { ...(customerEmail ? { email: customerEmail } : {}), name: customerName },
            tx,
          );
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

    /** Every matching lead, streamed (NDJSON or CSV), newest first. */
    export: (scope: Scope, filter: repo.LeadFilter, format: 'ndjson' | 'csv') =>
      exportLeads(db, scope, filter, format),

    async remove(scope: Scope, id: string): Promise<void> {
      const deleted = await repo.deleteLead(db.orm, scope, id);
      if (!deleted) throw AppError.notFound('lead', encodeId('lead', id));
    },
  };
}

export type LeadService = ReturnType<typeof createLeadService>;

// SQL for leads. Every query filters on workspace and environment.
import { and, desc, eq, getTableColumns, gt, isNotNull, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { leads } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';
import type { LeadRow } from './lead-schemas.ts';

// What a capture makes of an existing lead. The team's own capture (through the API) updates it:
// new name, phone and conversation when given, the earlier ones otherwise; fields merged key by
// key. A visitor's capture (widget form, an address or number written in chat) is anonymous: it
// may attach a conversation to a lead that has none, and changes nothing else, so no visitor can
// rename or re-point a lead the team or another visitor left. `given` is the capture's values:
// the excluded row of an upsert, or parameters of an update.
interface Given {
  name: SQL;
  phone: SQL;
  phoneKey: SQL;
  conversationId: SQL;
  fields: SQL;
}

const MERGES = {
  team: (given: Given) => ({
    name: sql`coalesce(${given.name}, leads.name)`,
    phone: sql`coalesce(${given.phone}, leads.phone)`,
    // Set with the phone, so the key is always the stored number's.
    phoneKey: sql`CASE WHEN ${given.phone} IS NULL THEN leads.phone_key ELSE ${given.phoneKey} END`,
    conversationId: sql`coalesce(${given.conversationId}, leads.conversation_id)`,
    fields: sql`leads.fields || ${given.fields}`,
  }),
  visitor: (given: Given) => ({
    name: sql`leads.name`,
    phone: sql`leads.phone`,
    phoneKey: sql`leads.phone_key`,
    conversationId: sql`coalesce(leads.conversation_id, ${given.conversationId})`,
    fields: sql`leads.fields`,
  }),
};

export type CaptureAuthority = keyof typeof MERGES;

export type LeadValues = typeof leads.$inferInsert;

const EXCLUDED: Given = {
  name: sql.raw('excluded.name'),
  phone: sql.raw('excluded.phone'),
  phoneKey: sql.raw('excluded.phone_key'),
  conversationId: sql.raw('excluded.conversation_id'),
  fields: sql.raw('excluded.fields'),
};

function givenValues(row: LeadValues): Given {
  return {
    name: sql`${row.name ?? null}::text`,
    phone: sql`${row.phone ?? null}::text`,
    phoneKey: sql`${row.phoneKey ?? null}::text`,
    conversationId: sql`${row.conversationId ?? null}::uuid`,
    fields: sql`${JSON.stringify(row.fields ?? {})}::jsonb`,
  };
}

/** Only an update that changes something happens (and so reports a change). */
function changes(merged: ReturnType<(typeof MERGES)[CaptureAuthority]>): SQL {
  return sql`(leads.name, leads.phone, leads.phone_key, leads.conversation_id, leads.fields)
    IS DISTINCT FROM (${merged.name}, ${merged.phone}, ${merged.phoneKey}, ${merged.conversationId}, ${merged.fields})`;
}

const RETURNING = { ...getTableColumns(leads), created: sql<boolean>`(leads.xmax = 0)` };

type Upserted = { row: LeadRow; created: boolean } | null;

function split(result: (LeadRow & { created: boolean }) | undefined): Upserted {
  if (!result) return null;
  const { created, ...lead } = result;
  return { row: lead, created };
}

/**
 * Serialises the captures of one address or one number of a chatbot until the transaction ends
 * (across nodes), so that deciding which lead a capture goes to (an email lead, a phone-only one
 * it upgrades) cannot race another capture of the same person. Take an address's lock before a
 * number's, so two captures never wait on each other.
 */
export async function lockCapture(tx: Executor, chatbotId: string, identity: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`lead:${chatbotId}:${identity}`}))`);
}

/**
 * One statement, so concurrent captures of one address never make two leads: the first inserts,
 * the others update the row it made. The update only happens when it changes something; an
 * identical capture returns null (the row is left as it was). `created` is true when the row
 * was inserted: an inserted row has no xmax, an updated one carries the updating transaction's.
 */
export async function upsertLead(
  db: Executor,
  row: LeadValues,
  authority: CaptureAuthority,
): Promise<Upserted> {
  const merged = MERGES[authority](EXCLUDED);
  const [result] = await db
    .insert(leads)
    .values(row)
    .onConflictDoUpdate({
      target: [leads.chatbotId, leads.email],
      set: { ...merged, updatedAt: sql`now()` },
      setWhere: changes(merged),
    })
    .returning(RETURNING);
  return split(result);
}

/**
 * The same for a lead with no address (`row.email` null): one per chatbot and number, on the
 * partial unique index of phone-only leads.
 */
export async function upsertPhoneOnlyLead(
  db: Executor,
  row: LeadValues,
  authority: CaptureAuthority,
): Promise<Upserted> {
  const merged = MERGES[authority](EXCLUDED);
  const [result] = await db
    .insert(leads)
    .values({ ...row, email: null })
    .onConflictDoUpdate({
      target: [leads.chatbotId, leads.phoneKey],
      targetWhere: sql`${leads.email} IS NULL`,
      set: { ...merged, updatedAt: sql`now()` },
      setWhere: changes(merged),
    })
    .returning(RETURNING);
  return split(result);
}

/**
 * Applies a capture to the lead `id`, by the merge rules; null when that changes nothing (or the
 * lead is gone). With `email`, a phone-only lead gains that address and becomes its lead: only
 * while it has none and no other lead of the chatbot has it.
 */
export async function updateLead(
  db: Executor,
  scope: Scope,
  id: string,
  row: LeadValues,
  authority: CaptureAuthority,
  email?: string,
): Promise<LeadRow | null> {
  const merged = MERGES[authority](givenValues(row));
  const [result] = await db
    .update(leads)
    .set({ ...merged, ...(email ? { email } : {}), updatedAt: sql`now()` })
    .where(
      and(
        inScope(leads, scope),
        eq(leads.id, id),
        email
          ? sql`${leads.email} IS NULL AND NOT EXISTS (SELECT 1 FROM leads other
              WHERE other.chatbot_id = ${leads.chatbotId} AND other.email = ${email})`
          : changes(merged),
      ),
    )
    .returning();
  return result ?? null;
}

/** The latest updated lead of the chatbot that meets `condition`. */
async function latestLeadWhere(
  db: Executor,
  scope: Scope,
  chatbotId: string,
  condition: SQL | undefined,
): Promise<LeadRow | null> {
  const [row] = await db
    .select()
    .from(leads)
    .where(and(inScope(leads, scope), eq(leads.chatbotId, chatbotId), condition))
    .orderBy(desc(leads.updatedAt))
    .limit(1);
  return row ?? null;
}

/** The chatbot's phone-only lead of a number (the partial unique index allows one). */
export const findPhoneOnlyLead = (db: Executor, scope: Scope, chatbotId: string, phoneKey: string) =>
  latestLeadWhere(db, scope, chatbotId, and(eq(leads.phoneKey, phoneKey), isNull(leads.email)));

/** The lead with an address that has this number; the latest updated when several share it. */
export const findEmailLeadByPhone = (db: Executor, scope: Scope, chatbotId: string, phoneKey: string) =>
  latestLeadWhere(db, scope, chatbotId, and(eq(leads.phoneKey, phoneKey), isNotNull(leads.email)));

/** The latest phone-only lead captured in a conversation. */
export const findPhoneOnlyLeadOfConversation = (
  db: Executor,
  scope: Scope,
  chatbotId: string,
  conversationId: string,
) =>
  latestLeadWhere(db, scope, chatbotId, and(eq(leads.conversationId, conversationId), isNull(leads.email)));

export async function findLeadByEmail(
  db: Executor,
  scope: Scope,
  chatbotId: string,
  email: string,
): Promise<LeadRow | null> {
  const [row] = await db
    .select()
    .from(leads)
    .where(and(inScope(leads, scope), eq(leads.chatbotId, chatbotId), eq(leads.email, email)));
  return row ?? null;
}

export async function findLead(db: Executor, scope: Scope, id: string): Promise<LeadRow | null> {
  const [row] = await db
    .select()
    .from(leads)
    .where(and(inScope(leads, scope), eq(leads.id, id)));
  return row ?? null;
}

export interface LeadFilter {
  chatbotId?: string;
  createdAfter?: Date;
}

function leadsMatching(scope: Scope, filter: LeadFilter): SQL | undefined {
  return and(
    inScope(leads, scope),
    filter.chatbotId ? eq(leads.chatbotId, filter.chatbotId) : undefined,
    filter.createdAfter ? gt(leads.createdAt, filter.createdAfter) : undefined,
  );
}

export async function countLeads(db: Executor, scope: Scope, filter: LeadFilter): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(leads)
    .where(leadsMatching(scope, filter));
  return row?.count ?? 0;
}

/** Newest first (ids are UUIDv7), after the cursor's id. */
export async function listLeads(
  db: Executor,
  scope: Scope,
  filter: LeadFilter,
  page: { limit: number; beforeId: string | null },
): Promise<LeadRow[]> {
  return db
    .select()
    .from(leads)
    .where(and(leadsMatching(scope, filter), page.beforeId ? lt(leads.id, page.beforeId) : undefined))
    .orderBy(desc(leads.id))
    .limit(page.limit);
}

export async function deleteLead(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .delete(leads)
    .where(and(inScope(leads, scope), eq(leads.id, id)))
    .returning({ id: leads.id });
  return rows.length > 0;
}

// SQL for leads. Every query filters on workspace and environment.
import { and, desc, eq, getTableColumns, gt, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { leads } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';
import type { LeadRow } from './lead-schemas.ts';

// What a capture makes of an existing lead. The team's own capture (through the API) updates it:
// new name, phone and conversation when given, the earlier ones otherwise; fields merged key by
// key. A visitor's capture (widget form, an address written in chat) is anonymous: it may attach
// a conversation to a lead that has none, and changes nothing else, so no visitor can rename or
// re-point a lead the team or another visitor left.
const MERGES = {
  team: {
    name: sql`coalesce(excluded.name, leads.name)`,
    phone: sql`coalesce(excluded.phone, leads.phone)`,
    conversationId: sql`coalesce(excluded.conversation_id, leads.conversation_id)`,
    fields: sql`leads.fields || excluded.fields`,
  },
  visitor: {
    name: sql`leads.name`,
    phone: sql`leads.phone`,
    conversationId: sql`coalesce(leads.conversation_id, excluded.conversation_id)`,
    fields: sql`leads.fields`,
  },
};

export type CaptureAuthority = keyof typeof MERGES;

/**
 * One statement, so concurrent captures of one address never make two leads: the first inserts,
 * the others update the row it made. The update only happens when it changes something; an
 * identical capture returns null (the row is left as it was). `created` is true when the row
 * was inserted: an inserted row has no xmax, an updated one carries the updating transaction's.
 */
export async function upsertLead(
  db: Executor,
  row: typeof leads.$inferInsert,
  authority: CaptureAuthority,
): Promise<{ row: LeadRow; created: boolean } | null> {
  const merged = MERGES[authority];
  const [result] = await db
    .insert(leads)
    .values(row)
    .onConflictDoUpdate({
      target: [leads.chatbotId, leads.email],
      set: { ...merged, updatedAt: sql`now()` },
      setWhere: sql`(leads.name, leads.phone, leads.conversation_id, leads.fields)
        IS DISTINCT FROM (${merged.name}, ${merged.phone}, ${merged.conversationId}, ${merged.fields})`,
    })
    .returning({ ...getTableColumns(leads), created: sql<boolean>`(leads.xmax = 0)` });
  if (!result) return null;
  const { created, ...lead } = result;
  return { row: lead, created };
}

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
    .where(
      and(
        inScope(leads, scope),
        filter.chatbotId ? eq(leads.chatbotId, filter.chatbotId) : undefined,
        filter.createdAfter ? gt(leads.createdAt, filter.createdAfter) : undefined,
        page.beforeId ? lt(leads.id, page.beforeId) : undefined,
      ),
    )
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

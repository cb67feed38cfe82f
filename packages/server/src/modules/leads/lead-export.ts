// Exports every matching lead as NDJSON (one lead per line, as the API shows it) or CSV (one row
// per lead, custom fields as a JSON cell). Leads are read newest first in batches and written as
// they are read, so memory stays flat however many there are.
import type { Readable } from 'node:stream';
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { toCsv } from '../../lib/csv.ts';
import { type ExportPart, exportStream } from '../../lib/export-part.ts';
import { type LeadFilter, listLeads } from './lead-repository.ts';
import { presentLead } from './lead-schemas.ts';

const BATCH = 500;

export const LEAD_CSV_COLUMNS = [
  'lead_id',
  'chatbot_id',
  'conversation_id',
  'email',
  'name',
  'phone',
  'phone_e164',
  'fields',
  'captured_via',
  'created_at',
  'updated_at',
] as const;

async function* batches(db: Database, scope: Scope, filter: LeadFilter) {
  let beforeId: string | null = null;
  for (;;) {
    const rows = await listLeads(db.orm, scope, filter, { limit: BATCH, beforeId });
    if (rows.length === 0) return;
    yield rows.map(presentLead);
    if (rows.length < BATCH) return;
    beforeId = rows.at(-1)!.id;
  }
}

async function* ndjson(db: Database, scope: Scope, filter: LeadFilter): AsyncGenerator<ExportPart> {
  for await (const leads of batches(db, scope, filter)) {
    yield { text: `${leads.map((lead) => JSON.stringify(lead)).join('\n')}\n`, records: leads.length };
  }
}

async function* csv(db: Database, scope: Scope, filter: LeadFilter): AsyncGenerator<ExportPart> {
  yield { text: toCsv([LEAD_CSV_COLUMNS]), records: 0 };
  for await (const leads of batches(db, scope, filter)) {
    // Visitors type names and fields: toCsv keeps any cell from reaching a spreadsheet as a formula.
    const text = toCsv(
      leads.map((lead) => [
        lead.id,
        lead.chatbot_id,
        lead.conversation_id,
        lead.email,
        lead.name,
        lead.phone,
        lead.phone_e164,
        Object.keys(lead.fields).length > 0 ? JSON.stringify(lead.fields) : '',
        lead.captured_via,
        lead.created_at,
        lead.updated_at,
      ]),
    );
    yield { text, records: leads.length };
  }
}

/** The export in parts as it is read, each with the number of leads it holds. */
export function leadExportParts(
  db: Database,
  scope: Scope,
  filter: LeadFilter,
  format: 'ndjson' | 'csv',
): AsyncGenerator<ExportPart> {
  return format === 'csv' ? csv(db, scope, filter) : ndjson(db, scope, filter);
}

export function exportLeads(
  db: Database,
  scope: Scope,
  filter: LeadFilter,
  format: 'ndjson' | 'csv',
): Readable {
  return exportStream(leadExportParts(db, scope, filter, format));
}

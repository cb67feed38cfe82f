// Exports every matching conversation with its messages as NDJSON (one conversation per line,
// messages inside) or CSV (one row per message). Conversations are read in batches and written as
// they are read, so memory stays flat however many there are.
import type { Readable } from 'node:stream';
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { toCsv } from '../../lib/csv.ts';
import { type ExportPart, exportStream } from '../../lib/export-part.ts';
import type { ConversationFilters } from './conversation-queries.ts';
import { conversationBatch, messagesOf } from './conversation-queries.ts';
import { type MessageRow, presentConversation, presentMessage } from './conversation-schemas.ts';

const BATCH = 200;

export const CSV_COLUMNS = [
  'conversation_id',
  'chatbot_id',
  'channel',
  'status',
  'mode',
  'customer_email',
  'customer_name',
  'visitor_id',
  'conversation_created_at',
  'message_id',
  'role',
  'author_name',
  'content',
  'grounded',
  'model',
  'message_created_at',
] as const;

async function* batches(db: Database, scope: Scope, filters: ConversationFilters) {
  let afterId: string | null = null;
  for (;;) {
    const rows = await conversationBatch(db.orm, scope, filters, afterId, BATCH);
    if (rows.length === 0) return;
    const messages = await messagesOf(
      db.orm,
      rows.map((row) => row.id),
    );
    const byConversation = new Map<string, MessageRow[]>();
    for (const message of messages) {
      const list = byConversation.get(message.conversationId) ?? [];
      list.push(message);
      byConversation.set(message.conversationId, list);
    }
    yield rows.map((row) => ({ conversation: row, messages: byConversation.get(row.id) ?? [] }));
    if (rows.length < BATCH) return;
    afterId = rows.at(-1)!.id;
  }
}

async function* ndjson(db: Database, scope: Scope, filters: ConversationFilters): AsyncGenerator<ExportPart> {
  for await (const batch of batches(db, scope, filters)) {
    const text = batch
      .map(({ conversation, messages }) =>
        JSON.stringify({ ...presentConversation(conversation), messages: messages.map(presentMessage) }),
      )
      .join('\n')
      .concat('\n');
    yield { text, records: batch.length };
  }
}

async function* csv(db: Database, scope: Scope, filters: ConversationFilters): AsyncGenerator<ExportPart> {
  yield { text: toCsv([CSV_COLUMNS]), records: 0 };
  for await (const batch of batches(db, scope, filters)) {
    const records: unknown[][] = [];
    for (const { conversation, messages } of batch) {
      const c = presentConversation(conversation);
      const head = [
        c.id,
        c.chatbot_id,
        c.channel,
        c.status,
        c.mode,
        c.customer_email,
        c.customer_name,
        c.visitor_id,
        c.created_at,
      ];
      // A conversation without messages still gets its row.
      if (messages.length === 0) records.push([...head, '', '', '', '', '', '', '']);
      for (const row of messages) {
        const m = presentMessage(row);
        records.push([...head, m.id, m.role, m.author_name, m.content, m.grounded, m.model, m.created_at]);
      }
    }
    // Visitors write messages and names: no cell may reach a spreadsheet as a formula.
    yield { text: toCsv(records), records: batch.length };
  }
}

/** The export in parts as it is read, each with the number of conversations it holds. */
export function conversationExportParts(
  db: Database,
  scope: Scope,
  filters: ConversationFilters,
  format: 'ndjson' | 'csv',
): AsyncGenerator<ExportPart> {
  return format === 'csv' ? csv(db, scope, filters) : ndjson(db, scope, filters);
}

export function exportConversations(
  db: Database,
  scope: Scope,
  filters: ConversationFilters,
  format: 'ndjson' | 'csv',
): Readable {
  return exportStream(conversationExportParts(db, scope, filters, format));
}

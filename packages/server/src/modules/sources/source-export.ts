// What a chatbot knows, exported: each document of each source with the chunks the bot answers
// from (NDJSON, a document per line), and a source's own content as it was given (a text, Q&A
// pairs, the uploaded file). Read in batches and written as read, so memory stays flat.
import type { Readable } from 'node:stream';
import { asc, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { chunks } from '../../db/schema.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { type ExportPart, exportStream } from '../../lib/export-part.ts';
import { listDocuments, listSources } from './source-repository.ts';
import { type DocumentRow, presentDocument, presentSource } from './source-schemas.ts';

const SOURCES_BATCH = 100;
const DOCUMENTS_BATCH = 100;

async function chunksOf(db: Database, batch: DocumentRow[]) {
  const rows = await db.orm
    .select({
      documentId: chunks.documentId,
      position: chunks.position,
      heading: chunks.heading,
      page: chunks.page,
      question: chunks.question,
      text: chunks.text,
    })
    .from(chunks)
    .where(
      inArray(
        chunks.documentId,
        batch.map((document) => document.id),
      ),
    )
    .orderBy(asc(chunks.documentId), asc(chunks.position));
  const byDocument = new Map<
    string,
    { position: number; heading: string; page: number | null; question: string | null; text: string }[]
  >();
  for (const { documentId, ...chunk } of rows) {
    const list = byDocument.get(documentId) ?? [];
    list.push(chunk);
    byDocument.set(documentId, list);
  }
  return byDocument;
}

/** Every document of the chatbot's sources (newest source first) with its chunks, as NDJSON parts. */
export async function* knowledgeExportParts(
  db: Database,
  scope: Scope,
  chatbotId: string,
): AsyncGenerator<ExportPart> {
  let beforeId: string | null = null;
  for (;;) {
    const sourceRows = await listSources(db.orm, scope, chatbotId, { limit: SOURCES_BATCH, beforeId });
    for (const source of sourceRows) {
      const head = { id: presentSource(source).id, type: source.type, title: source.title };
      let afterId: string | null = null;
      for (;;) {
        const batch = await listDocuments(db.orm, scope, source.id, { limit: DOCUMENTS_BATCH, afterId });
        if (batch.length === 0) break;
        const byDocument = await chunksOf(db, batch);
        const text = batch
          .map((document) =>
            JSON.stringify({
              source: head,
              document: presentDocument(document),
              chunks: byDocument.get(document.id) ?? [],
            }),
          )
          .join('\n')
          .concat('\n');
        yield { text, records: batch.length };
        if (batch.length < DOCUMENTS_BATCH) break;
        afterId = batch.at(-1)!.id;
      }
    }
    if (sourceRows.length < SOURCES_BATCH) return;
    beforeId = sourceRows.at(-1)!.id;
  }
}

/** Every document of the chatbot's sources (newest source first) with its chunks, as NDJSON. */
export function exportKnowledge(db: Database, scope: Scope, chatbotId: string): Readable {
  return exportStream(knowledgeExportParts(db, scope, chatbotId));
}

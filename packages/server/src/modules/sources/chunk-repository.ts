// SQL for chunks: a document's chunks are replaced in one statement pair inside the caller's
// transaction, so retrieval sees either the old or the new version, never a mix or nothing; a
// large document's are added and removed in steps instead (see source-indexing.ts).
import { eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { chunks } from '../../db/schema.ts';
import { newUuid } from '../../lib/ids.ts';
import type { TextSearchLanguage } from '../../lib/text-search.ts';
import type { Chunk } from './source-types.ts';

export interface ChunkOwner {
  workspaceId: string;
  environment: 'live' | 'test';
  chatbotId: string;
  sourceId: string;
  documentId: string;
  title: string;
  url: string | null;
  language: TextSearchLanguage;
}

const INSERT_BATCH = 200;

export async function deleteChunks(db: Executor, documentId: string): Promise<void> {
  await db.delete(chunks).where(eq(chunks.documentId, documentId));
}

export async function replaceChunks(
  db: Executor,
  owner: ChunkOwner,
  items: (Chunk & { question?: string | null })[],
): Promise<void> {
  await deleteChunks(db, owner.documentId);
  for (let start = 0; start < items.length; start += INSERT_BATCH) {
    await insertChunks(db, owner, items.slice(start, start + INSERT_BATCH));
  }
}

/** The ids of a document's chunks, to remove once its new version is in. */
export async function chunkIdsOf(db: Executor, documentId: string): Promise<string[]> {
  const rows = await db.select({ id: chunks.id }).from(chunks).where(eq(chunks.documentId, documentId));
  return rows.map((row) => row.id);
}

export async function deleteChunksById(db: Executor, ids: string[]): Promise<void> {
  if (ids.length > 0) await db.delete(chunks).where(inArray(chunks.id, ids));
}

/** Adds chunks to a document, in one statement. */
export async function insertChunks(
  db: Executor,
  owner: ChunkOwner,
  batch: (Chunk & { question?: string | null })[],
): Promise<void> {
  if (batch.length === 0) return;
  await db.insert(chunks).values(
    batch.map((chunk) => {
      const heading = chunk.headingPath.join(' > ');
      return {
        id: newUuid(),
        workspaceId: owner.workspaceId,
        environment: owner.environment,
        chatbotId: owner.chatbotId,
        sourceId: owner.sourceId,
        documentId: owner.documentId,
        position: chunk.index,
        title: owner.title,
        heading,
        url: owner.url,
        text: chunk.text,
        tokens: chunk.tokens,
        page: chunk.page,
        question: chunk.question ?? null,
        // Title and headings are searchable too: a question often names the page's subject.
        search: sql`to_tsvector(${owner.language}::regconfig, ${`${owner.title}\n${heading}\n${chunk.text}`})`,
      };
    }),
  );
}

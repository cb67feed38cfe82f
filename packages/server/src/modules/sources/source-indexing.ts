// Turns one extracted document into indexed chunks, replacing its previous version atomically.
import { createHash } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import type { TextSearchLanguage } from '../../lib/text-search.ts';
import { deleteChunks, replaceChunks } from './chunk-repository.ts';
import { chunkDocument } from './chunking/chunk-document.ts';
import * as repo from './source-repository.ts';
import type { DocumentRow, SourceRow } from './source-schemas.ts';
import type { Chunk, ExtractedDocument } from './source-types.ts';

export interface IndexTarget {
  source: SourceRow;
  document: DocumentRow;
  language: TextSearchLanguage;
  /** Embeds the document's new chunks, when the chatbot has an embedding model. */
  embed?: (documentId: string) => Promise<void>;
}

/** A hash of the text that gets indexed: the same text means nothing to re-index. */
export function contentHashOf(doc: ExtractedDocument): string {
  const hash = createHash('sha256');
  hash.update(doc.title);
  for (const section of doc.sections) hash.update(`\n#${section.headingPath.join('>')}\n${section.text}`);
  return hash.digest('hex');
}

function charCount(doc: ExtractedDocument): number {
  return doc.sections.reduce((sum, section) => sum + section.text.length, 0);
}

export interface IndexOutcome {
  status: 'indexed' | 'unchanged' | 'duplicate' | 'empty';
  chunks: number;
}

export async function indexDocument(
  db: Database,
  target: IndexTarget,
  extracted: ExtractedDocument,
  page: {
    url: string | null;
    httpStatus?: number | null;
    etag?: string | null;
    lastModified?: string | null;
  },
  chunkOverride?: (Chunk & { question?: string | null })[],
): Promise<IndexOutcome> {
  const { source, document } = target;
  const contentHash = contentHashOf(extracted);
  const common = {
    title: extracted.title,
    canonicalUrl: extracted.canonicalUrl,
    httpStatus: page.httpStatus ?? null,
    etag: page.etag ?? null,
    lastModified: page.lastModified ?? null,
    contentHash,
    fetchedAt: new Date(),
    error: null,
    seenGeneration: source.generation,
  };
  if (document.contentHash === contentHash && document.status !== 'failed' && document.chunkCount > 0) {
    await repo.updateDocument(db.orm, document.id, { ...common, status: 'ready' });
    return { status: 'unchanged', chunks: document.chunkCount };
  }
  const duplicate = await repo.findSameContent(db.orm, source.id, contentHash, document.id);
  if (duplicate) {
    await db.orm.transaction(async (tx) => {
      await deleteChunks(tx, document.id);
      await repo.updateDocument(tx, document.id, {
        ...common,
        status: 'skipped',
        chunkCount: 0,
        charCount: 0,
        error: `Same content as ${duplicate.url}`,
      });
    });
    return { status: 'duplicate', chunks: 0 };
  }
  const chunks = chunkOverride ?? chunkDocument(extracted);
  await db.orm.transaction(async (tx) => {
    await replaceChunks(tx, owner(target, extracted, page.url), chunks);
    await repo.updateDocument(tx, document.id, {
      ...common,
      status: chunks.length > 0 ? 'ready' : 'skipped',
      chunkCount: chunks.length,
      charCount: charCount(extracted),
      error: chunks.length > 0 ? null : 'No text found',
    });
  });
  if (chunks.length > 0 && target.embed) {
    try {
      await target.embed(document.id);
    } catch (error) {
      // The chunks stay searchable by text; the document says what went wrong.
      await repo.updateDocument(db.orm, document.id, {
        error: `Indexed for text search; embeddings failed: ${(error as Error).message}`,
      });
    }
  }
  return { status: chunks.length > 0 ? 'indexed' : 'empty', chunks: chunks.length };
}

function owner(target: IndexTarget, extracted: ExtractedDocument, url: string | null) {
  return {
    workspaceId: target.source.workspaceId,
    environment: target.source.environment,
    chatbotId: target.source.chatbotId,
    sourceId: target.source.id,
    documentId: target.document.id,
    title: extracted.title,
    url,
    language: target.language,
  };
}

/** Removes a document's chunks and records why (gone, blocked, unreadable). */
export async function failDocument(
  db: Database,
  target: IndexTarget,
  outcome: { status: 'failed' | 'skipped'; error: string; httpStatus?: number | null },
): Promise<void> {
  await db.orm.transaction(async (tx) => {
    await deleteChunks(tx, target.document.id);
    await repo.updateDocument(tx, target.document.id, {
      status: outcome.status,
      error: outcome.error,
      httpStatus: outcome.httpStatus ?? null,
      chunkCount: 0,
      charCount: 0,
      fetchedAt: new Date(),
      seenGeneration: target.source.generation,
    });
  });
}

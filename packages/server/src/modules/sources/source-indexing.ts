// Turns one extracted document into indexed chunks, replacing its previous version atomically.
import { createHash } from 'node:crypto';
import type { Database, Executor } from '../../db/client.ts';
import type { TextSearchLanguage } from '../../lib/text-search.ts';
import {
  type ChunkOwner,
  chunkIdsOf,
  deleteChunks,
  deleteChunksById,
  insertChunks,
  replaceChunks,
} from './chunk-repository.ts';
import { chunkDocument } from './chunking/chunk-document.ts';
import { DocumentPoolClosedError, type DocumentWork } from './document-pool.ts';
import * as repo from './source-repository.ts';
import type { DocumentRow, SourceRow } from './source-schemas.ts';
import type { Chunk, ExtractedDocument } from './source-types.ts';

/** Up to this many chunks, a document's chunks are replaced in one transaction. */
const ATOMIC_REPLACE_CHUNKS = 200;
/** Beyond that, how long one statement may hold the embedded database, about. */
const STEP_MS = 40;
const MAX_STEP_ITEMS = 200;
/** Between two steps the ingestion leaves the database to others for a fifth of what it took. */
const GIVE_WAY_SHARE = 0.2;
const GIVE_WAY_MIN_MS = 4;
const GIVE_WAY_MAX_MS = 20;

/**
 * Leaves the embedded database's one connection to other work for a moment after a step of
 * ingestion that held it `heldMs`. Without it a request's second query is queued behind the next
 * step, its third behind the one after: a request of three queries waits three steps, not one.
 * Handing over at once (setImmediate) is not enough: the request's next query is only sent once
 * its previous one's answer has come back from the database thread.
 */
export function giveWay(heldMs: number): Promise<void> {
  const ms = Math.min(GIVE_WAY_MAX_MS, Math.max(GIVE_WAY_MIN_MS, heldMs * GIVE_WAY_SHARE));
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An uploaded file is read back in slices of this size, each about 10 ms of the database's time. */
const FILE_SLICE_BYTES = 1024 * 1024;

/** A file source's upload, as it was sent; null when it is gone. */
export function readUploadedFile(db: Executor, sourceId: string) {
  return repo.readSourceFile(db, sourceId, FILE_SLICE_BYTES, giveWay);
}

export interface IndexTarget {
  source: SourceRow;
  document: DocumentRow;
  language: TextSearchLanguage;
  /** Embeds the document's new chunks, when the chatbot has an embedding model. */
  embed?: (documentId: string) => Promise<void>;
  /** Where chunking runs (a worker thread pool); in this thread when absent. */
  documents?: Pick<DocumentWork, 'chunk' | 'stopping'>;
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
        error: sameContentAs(duplicate.url),
      });
    });
    return { status: 'duplicate', chunks: 0 };
  }
  const chunks =
    chunkOverride ?? (target.documents ? await target.documents.chunk(extracted) : chunkDocument(extracted));
  const done = {
    ...common,
    status: chunks.length > 0 ? ('ready' as const) : ('skipped' as const),
    chunkCount: chunks.length,
    charCount: charCount(extracted),
    error: chunks.length > 0 ? null : 'No text found',
  };
  // Two pages of the same content processed at once both passed the check above: the one that
  // finishes second sees the first under the content's lock, and is recorded as its duplicate.
  const finish = async (tx: Executor): Promise<boolean> => {
    if (chunks.length === 0) {
      await repo.updateDocument(tx, document.id, done);
      return true;
    }
    await repo.lockContent(tx, source.id, contentHash);
    const twin = await repo.findSameContent(tx, source.id, contentHash, document.id);
    if (!twin) {
      await repo.updateDocument(tx, document.id, done);
      return true;
    }
    await deleteChunks(tx, document.id);
    await repo.updateDocument(tx, document.id, {
      ...common,
      status: 'skipped',
      chunkCount: 0,
      charCount: 0,
      error: sameContentAs(twin.url),
    });
    return false;
  };
  let kept: boolean;
  if (chunks.length <= ATOMIC_REPLACE_CHUNKS) {
    kept = await db.orm.transaction(async (tx) => {
      await replaceChunks(tx, owner(target, extracted, page.url), chunks);
      return finish(tx);
    });
  } else {
    // The source's chunk count grows as the batches go in: a large file shows its progress.
    await replaceChunksInSteps(
      db,
      owner(target, extracted, page.url),
      chunks,
      target.documents?.stopping,
      (n) => repo.addChunkProgress(db.orm, source.id, n),
    );
    kept = await db.orm.transaction(finish);
  }
  if (!kept) return { status: 'duplicate', chunks: 0 };
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

/**
 * A large document's chunks: the new ones go in by small batches, each statement on its own,
 * then the old ones go out likewise. One transaction for all of it would hold the embedded
 * database's single connection for as long as the whole document takes (seconds for a 20 MB
 * file): every other request would wait. Retrieval meanwhile sees the old and part of the new
 * version. A run cut short leaves extra chunks that the next run removes with the old ones.
 */
async function replaceChunksInSteps(
  db: Database,
  chunkOwner: ChunkOwner,
  chunks: Chunk[],
  stopping?: AbortSignal,
  onInserted?: (count: number) => Promise<void>,
): Promise<void> {
  const previous = await chunkIdsOf(db.orm, chunkOwner.documentId);
  await inSteps(
    chunks,
    async (batch) => {
      await insertChunks(db.orm, chunkOwner, batch);
      await onInserted?.(batch.length);
    },
    stopping,
  );
  await inSteps(previous, (batch) => deleteChunksById(db.orm, batch), stopping);
}

/**
 * Runs `work` over `items` in batches sized so that one takes about STEP_MS: what a chunk costs
 * to index varies a hundredfold (prose repeats its words; random text has only new ones).
 */
async function inSteps<T>(
  items: T[],
  work: (batch: T[]) => Promise<void>,
  stopping?: AbortSignal,
): Promise<void> {
  let size = 8;
  for (let start = 0; start < items.length; ) {
    // The server is stopping: the job runs again after the restart and replaces what is here.
    if (stopping?.aborted) throw new DocumentPoolClosedError();
    const batch = items.slice(start, start + size);
    const began = performance.now();
    await work(batch);
    start += batch.length;
    const took = performance.now() - began;
    if (took > STEP_MS * 2) size = Math.max(1, Math.floor(size / 2));
    else if (took < STEP_MS / 2) size = Math.min(MAX_STEP_ITEMS, size * 2);
    if (start < items.length) await giveWay(took);
  }
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

/** Why a document is skipped as a duplicate, naming the other as a user knows it. */
function sameContentAs(url: string): string {
  // A Q&A pair's document is `qa:N`: the user knows it as the Nth pair they sent.
  const pair = /^qa:(\d+)$/.exec(url);
  return pair ? `Same question and answer as pair ${pair[1]}` : `Same content as ${url}`;
}

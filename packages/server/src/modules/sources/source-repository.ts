// SQL for sources and their documents. Queries filter on workspace and environment; the
// ingestion job, which has already loaded its source, works by source id.
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { documents, sourceFiles, sources } from '../../db/schema.ts';
import { inScope, type Scope } from '../../db/tenant-scope.ts';
import type { DocumentRow, SourceRow } from './source-schemas.ts';

export async function insertSource(db: Executor, row: typeof sources.$inferInsert): Promise<SourceRow> {
  const [created] = await db.insert(sources).values(row).returning();
  return created!;
}

export async function insertSourceFile(db: Executor, row: typeof sourceFiles.$inferInsert): Promise<void> {
  await db.insert(sourceFiles).values(row);
}

/**
 * An uploaded file, read back in slices of `sliceBytes`: one statement reading a 20 MB file holds
 * the embedded database's only connection for over a second, every other request waiting. `between`
 * runs after each slice but the last, with how long that slice took, so queued requests get their
 * turn.
 */
export async function readSourceFile(
  db: Executor,
  sourceId: string,
  sliceBytes: number,
  between: (heldMs: number) => Promise<void>,
): Promise<{ filename: string; contentType: string; bytes: Buffer } | null> {
  const [head] = await db
    .select({
      filename: sourceFiles.filename,
      contentType: sourceFiles.contentType,
      size: sql<number>`octet_length(${sourceFiles.bytes})`.mapWith(Number),
    })
    .from(sourceFiles)
    .where(eq(sourceFiles.sourceId, sourceId));
  if (!head) return null;
  const slices: Buffer[] = [];
  for (let offset = 0; offset < head.size; offset += sliceBytes) {
    const began = performance.now();
    const [slice] = await db
      .select({
        // In base64, not as bytea: the embedded database sends bytea as hex text and parsing it
        // costs ~100 ms a megabyte in its thread; base64 costs a tenth of that. Positions count from 1.
        part: sql<string>`encode(substring(${sourceFiles.bytes} from ${offset + 1}::int for ${sliceBytes}::int), 'base64')`,
      })
      .from(sourceFiles)
      .where(eq(sourceFiles.sourceId, sourceId));
    // Deleted meanwhile: the job finds the source gone on its next look.
    if (!slice) return null;
    slices.push(Buffer.from(slice.part, 'base64'));
    if (offset + sliceBytes < head.size) await between(performance.now() - began);
  }
  return { filename: head.filename, contentType: head.contentType, bytes: Buffer.concat(slices) };
}

export async function findSource(db: Executor, scope: Scope, id: string): Promise<SourceRow | null> {
  const [row] = await db
    .select()
    .from(sources)
    .where(and(inScope(sources, scope), eq(sources.id, id)));
  return row ?? null;
}

export async function findSourceById(db: Executor, id: string): Promise<SourceRow | null> {
  const [row] = await db.select().from(sources).where(eq(sources.id, id));
  return row ?? null;
}

export async function listSources(
  db: Executor,
  scope: Scope,
  chatbotId: string,
  page: { limit: number; beforeId: string | null },
): Promise<SourceRow[]> {
  return db
    .select()
    .from(sources)
    .where(
      and(
        inScope(sources, scope),
        eq(sources.chatbotId, chatbotId),
        page.beforeId ? lt(sources.id, page.beforeId) : undefined,
      ),
    )
    .orderBy(desc(sources.id))
    .limit(page.limit);
}

export async function deleteSource(db: Executor, scope: Scope, id: string): Promise<boolean> {
  const rows = await db
    .delete(sources)
    .where(and(inScope(sources, scope), eq(sources.id, id)))
    .returning({ id: sources.id });
  return rows.length > 0;
}

export async function updateSource(
  db: Executor,
  id: string,
  changes: Partial<typeof sources.$inferInsert>,
): Promise<void> {
  await db
    .update(sources)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(sources.id, id));
}

/** Recomputes the live counts shown while a source is processed. */
export async function refreshCounts(db: Executor, sourceId: string): Promise<void> {
  await db.execute(sql`
    UPDATE sources SET
      pages_discovered = c.discovered,
      pages_processed = c.processed,
      pages_failed = c.failed,
      chunk_count = c.chunks,
      char_count = c.chars,
      updated_at = now()
    FROM (
      SELECT count(*)::int AS discovered,
             count(*) FILTER (WHERE status IN ('ready', 'failed', 'skipped'))::int AS processed,
             count(*) FILTER (WHERE status = 'failed')::int AS failed,
             coalesce(sum(chunk_count), 0)::int AS chunks,
             coalesce(sum(char_count), 0)::int AS chars
      FROM documents WHERE source_id = ${sourceId}
    ) AS c
    WHERE sources.id = ${sourceId}`);
}

/** How many documents the chatbot's sources hold: what a knowledge export writes. */
export async function countChatbotDocuments(db: Executor, scope: Scope, chatbotId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(documents)
    .innerJoin(sources, eq(sources.id, documents.sourceId))
    .where(and(inScope(documents, scope), eq(sources.chatbotId, chatbotId)));
  return row?.count ?? 0;
}

export async function listDocuments(
  db: Executor,
  scope: Scope,
  sourceId: string,
  page: { limit: number; afterId: string | null },
): Promise<DocumentRow[]> {
  // Oldest first: the order in which pages were discovered.
  return db
    .select()
    .from(documents)
    .where(
      and(
        eq(documents.workspaceId, scope.workspaceId),
        eq(documents.environment, scope.environment),
        eq(documents.sourceId, sourceId),
        page.afterId ? sql`${documents.id} > ${page.afterId}` : undefined,
      ),
    )
    .orderBy(documents.id)
    .limit(page.limit);
}

/**
 * Adds URLs to the frontier of the current sync. A URL known from an earlier sync is revived
 * (pending again, seen in this generation); one already seen in this sync is left alone.
 * Returns how many were added or revived.
 */
export async function addPending(
  db: Executor,
  source: SourceRow,
  entries: { id: string; url: string; depth: number; title?: string }[],
): Promise<number> {
  if (entries.length === 0) return 0;
  const rows = await db
    .insert(documents)
    .values(
      entries.map((entry) => ({
        id: entry.id,
        workspaceId: source.workspaceId,
        environment: source.environment,
        sourceId: source.id,
        url: entry.url,
        depth: entry.depth,
        title: entry.title ?? '',
        status: 'pending' as const,
        seenGeneration: source.generation,
      })),
    )
    .onConflictDoUpdate({
      target: [documents.sourceId, documents.url],
      set: {
        status: 'pending',
        seenGeneration: sql`excluded.seen_generation`,
        depth: sql`least(${documents.depth}, excluded.depth)`,
      },
      setWhere: sql`${documents.seenGeneration} < excluded.seen_generation`,
    })
    .returning({ id: documents.id });
  return rows.length;
}

/** Which of `urls` the current sync already has (queued or done): adding them adds nothing. */
export async function seenUrls(
  db: Executor,
  sourceId: string,
  generation: number,
  urls: string[],
): Promise<Set<string>> {
  if (urls.length === 0) return new Set();
  const rows = await db
    .select({ url: documents.url })
    .from(documents)
    .where(
      and(
        eq(documents.sourceId, sourceId),
        eq(documents.seenGeneration, generation),
        inArray(documents.url, urls),
      ),
    );
  return new Set(rows.map((row) => row.url));
}

/** Documents in the current sync, for the max_pages cap. */
export async function countSeen(db: Executor, sourceId: string, generation: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(documents)
    .where(and(eq(documents.sourceId, sourceId), eq(documents.seenGeneration, generation)));
  return row?.n ?? 0;
}

/**
 * Progress of a large document being stored: its chunks count toward the source as they go in.
 * The counts are computed again from the documents when the document is done (refreshCounts).
 */
export async function addChunkProgress(db: Executor, sourceId: string, chunks: number): Promise<void> {
  await db
    .update(sources)
    .set({ chunkCount: sql`${sources.chunkCount} + ${chunks}`, updatedAt: sql`now()` })
    .where(eq(sources.id, sourceId));
}

/** Holds, until the transaction ends, the right to decide which document of the source has this content. */
export async function lockContent(db: Executor, sourceId: string, contentHash: string): Promise<void> {
  await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${sourceId}:${contentHash}`}, 0))`);
}

/** Another document of the source with the same content (a duplicate page under another URL). */
export async function findSameContent(db: Executor, sourceId: string, contentHash: string, exceptId: string) {
  const [row] = await db
    .select({ id: documents.id, url: documents.url })
    .from(documents)
    .where(
      and(
        eq(documents.sourceId, sourceId),
        eq(documents.contentHash, contentHash),
        eq(documents.status, 'ready'),
        sql`${documents.id} <> ${exceptId}`,
      ),
    )
    .limit(1);
  return row ?? null;
}

/** Claims up to `limit` pending documents for processing. */
export async function claimPending(db: Executor, sourceId: string, limit: number): Promise<DocumentRow[]> {
  const batch = db
    .select({ id: documents.id })
    .from(documents)
    .where(and(eq(documents.sourceId, sourceId), eq(documents.status, 'pending')))
    .orderBy(documents.depth, documents.id)
    .limit(limit);
  return db
    .update(documents)
    .set({ status: 'processing', updatedAt: sql`now()` })
    .where(inArray(documents.id, batch))
    .returning();
}

/** Claims one pending document by URL (the start page, fetched before the rest). */
export async function claimByUrl(db: Executor, sourceId: string, url: string): Promise<DocumentRow | null> {
  const [row] = await db
    .update(documents)
    .set({ status: 'processing', updatedAt: sql`now()` })
    .where(and(eq(documents.sourceId, sourceId), eq(documents.url, url), eq(documents.status, 'pending')))
    .returning();
  return row ?? null;
}

/**
 * Documents with indexed chunks, split by whether the current sync reached them: what a
 * completed sync keeps and what it would remove.
 */
export async function countIndexed(
  db: Executor,
  sourceId: string,
  generation: number,
): Promise<{ reached: number; unreached: number }> {
  const [row] = await db
    .select({
      reached: sql<number>`count(*) FILTER (WHERE ${documents.seenGeneration} >= ${generation})::int`,
      unreached: sql<number>`count(*) FILTER (WHERE ${documents.seenGeneration} < ${generation})::int`,
    })
    .from(documents)
    .where(and(eq(documents.sourceId, sourceId), sql`${documents.chunkCount} > 0`));
  return { reached: row?.reached ?? 0, unreached: row?.unreached ?? 0 };
}

/**
 * After a sync that stopped early, documents it had queued but not processed go back to
 * serving their indexed chunks; ones never indexed stay pending for the next sync.
 */
export async function restoreUnprocessed(db: Executor, sourceId: string): Promise<void> {
  await db
    .update(documents)
    .set({ status: 'ready', updatedAt: sql`now()` })
    .where(
      and(
        eq(documents.sourceId, sourceId),
        inArray(documents.status, ['pending', 'processing']),
        sql`${documents.chunkCount} > 0`,
      ),
    );
}

/** A crash leaves documents 'processing': the next run of the job takes them up again. */
export async function requeueProcessing(db: Executor, sourceId: string): Promise<void> {
  await db
    .update(documents)
    .set({ status: 'pending' })
    .where(and(eq(documents.sourceId, sourceId), eq(documents.status, 'processing')));
}

export async function updateDocument(
  db: Executor,
  id: string,
  changes: Partial<typeof documents.$inferInsert>,
): Promise<void> {
  await db
    .update(documents)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(documents.id, id));
}

/** Documents not seen by the current sync have disappeared from the site: delete them and their chunks. */
export async function deleteUnseen(db: Executor, sourceId: string, generation: number): Promise<number> {
  const rows = await db
    .delete(documents)
    .where(and(eq(documents.sourceId, sourceId), lt(documents.seenGeneration, generation)))
    .returning({ id: documents.id });
  return rows.length;
}

export async function findDueResyncs(db: Executor, limit: number): Promise<SourceRow[]> {
  return db
    .select()
    .from(sources)
    .where(and(sql`${sources.nextResyncAt} <= now()`, sql`${sources.status} IN ('ready', 'failed')`))
    .limit(limit);
}

/** Sources still queued a while after creation: their job was lost (crash between commit and send). */
export async function findStaleQueued(db: Executor, limit: number): Promise<SourceRow[]> {
  return db
    .select()
    .from(sources)
    .where(and(eq(sources.status, 'queued'), sql`${sources.updatedAt} < now() - interval '10 minutes'`))
    .limit(limit);
}

export async function findDocumentByUrl(
  db: Executor,
  sourceId: string,
  url: string,
): Promise<DocumentRow | null> {
  const [row] = await db
    .select()
    .from(documents)
    .where(and(eq(documents.sourceId, sourceId), eq(documents.url, url)));
  return row ?? null;
}

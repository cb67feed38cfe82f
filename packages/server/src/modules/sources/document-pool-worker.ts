// The CPU-heavy half of ingestion (extraction, chunking), run by document-pool.ts in worker
// threads so that a large or hostile document never holds up the HTTP thread. It loads only the
// extraction and chunking code: no database (PGlite has its own thread), no server.
import { chunkDocument } from './chunking/chunk-document.ts';
import { extractDocument, UnsupportedDocumentError } from './extraction/extract-document.ts';
import type { Chunk, ExtractedDocument, ExtractInput } from './source-types.ts';

/**
 * What crosses back to the caller. Errors travel as data: a thrown error loses its class on the
 * way, and the caller must tell an unreadable document from a failure.
 */
export type DocumentTaskResult<T> =
  | { ok: true; value: T }
  | { ok: false; unsupported: { documentType: string; message: string } | null; message: string };

async function settle<T>(work: () => Promise<T> | T): Promise<DocumentTaskResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const unsupported =
      error instanceof UnsupportedDocumentError
        ? { documentType: error.documentType, message: error.message }
        : null;
    return { ok: false, unsupported, message: (error as Error).message };
  }
}

export function extract(input: ExtractInput): Promise<DocumentTaskResult<ExtractedDocument>> {
  // A Buffer arrives as a plain Uint8Array.
  const body = Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength);
  return settle(() => extractDocument({ ...input, body }));
}

export function chunk(document: ExtractedDocument): Promise<DocumentTaskResult<Chunk[]>> {
  return settle(() => chunkDocument(document));
}

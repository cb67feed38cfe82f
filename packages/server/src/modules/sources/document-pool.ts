// Extraction and chunking in a small pool of worker threads (piscina), so that a large or
// hostile document costs a worker thread, not the HTTP thread: requests keep being answered
// while a 20 MB upload is ingested. The pool starts its first thread on the first document and
// lets idle threads exit, so a process that ingests nothing runs none; close() ends them all.
import os from 'node:os';
import { Piscina } from 'piscina';
import type { DocumentTaskResult } from './document-pool-worker.ts';
import { UnsupportedDocumentError } from './extraction/extract-errors.ts';
import type { Chunk, ExtractedDocument, ExtractInput } from './source-types.ts';

const WORKER_URL = new URL('./document-pool-worker.ts', import.meta.url).href;

/** The CPU-heavy steps of ingestion, wherever they run. */
export interface DocumentWork {
  extract(input: ExtractInput): Promise<ExtractedDocument>;
  chunk(document: ExtractedDocument): Promise<Chunk[]>;
  /** Aborted when the server stops: long work checks it between steps. */
  readonly stopping: AbortSignal;
}

/** Work asked of a pool that is closing or closed: the job stops, to be run again, the document is not at fault. */
export class DocumentPoolClosedError extends Error {
  constructor() {
    super('the server is stopping');
    this.name = 'DocumentPoolClosedError';
  }
}

export interface DocumentPool extends DocumentWork {
  /** Ends the threads; work still running fails. */
  close(): Promise<void>;
}

export interface DocumentPoolOptions {
  /** Threads at most; default: one per core beyond the two the HTTP and database threads use, at least 1, at most 2. */
  maxThreads?: number;
  /** Heap of one thread: a document needing more fails alone instead of exhausting the process. */
  maxHeapMb?: number;
}

export function createDocumentPool(options: DocumentPoolOptions = {}): DocumentPool {
  const maxThreads = options.maxThreads ?? Math.min(2, Math.max(1, os.availableParallelism() - 2));
  let pool: Piscina | null = null;
  let closed = false;
  const stop = new AbortController();

  function started(): Piscina {
    if (closed) throw new DocumentPoolClosedError();
    pool ??= new Piscina({
      filename: WORKER_URL,
      minThreads: 0,
      maxThreads,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 1024 },
    });
    return pool;
  }

  async function run<T>(name: 'extract' | 'chunk', task: unknown): Promise<T> {
    let result: DocumentTaskResult<T>;
    try {
      result = (await started().run(task, { name })) as DocumentTaskResult<T>;
    } catch (error) {
      // Threads ended by close() reject their work: that is the stop, not the document.
      if (closed) throw new DocumentPoolClosedError();
      throw error;
    }
    if (result.ok) return result.value;
    if (result.unsupported) {
      throw new UnsupportedDocumentError(result.unsupported.documentType, result.unsupported.message);
    }
    throw new Error(result.message);
  }

  return {
    extract: (input) => run('extract', input),
    chunk: (document) => run('chunk', document),
    stopping: stop.signal,
    async close() {
      closed = true;
      stop.abort();
      const running = pool;
      pool = null;
      // destroy() ends the threads at once; work in flight is rejected.
      await running?.destroy();
    },
  };
}

// The embedded database as the server uses it: PGlite runs in a thread of its own
// (pglite-thread.ts) and this client speaks to it in messages. It offers the part of PGlite's
// interface that drizzle, pg-boss and the repositories use: query, exec, transaction, listen.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  deserializeError,
  type PgliteModules,
  type QueryResultMessage,
  type RemoteQueryOptions,
  type Request,
  type Response,
} from './pglite-protocol.ts';

type Parser = (value: string, typeId: number) => unknown;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** As PGlite's `query` options: drizzle passes a row mode and parsers. */
export interface PgliteQueryOptions {
  rowMode?: 'array' | 'object';
  parsers?: Record<number, Parser>;
}

export interface PgliteExecutor {
  query<Row = Record<string, unknown>>(
    text: string,
    params?: unknown[],
    options?: PgliteQueryOptions,
  ): Promise<{ rows: Row[]; fields: QueryResultMessage['fields']; affectedRows?: number }>;
  exec(text: string): Promise<QueryResultMessage[]>;
}

const THREAD_URL = new URL('./pglite-thread.ts', import.meta.url);

let compiling: Promise<PgliteModules> | null = null;

/**
 * PostgreSQL's WebAssembly, compiled once per process and shared by every database thread (a
 * compiled module crosses threads without being compiled again). Held for the life of the
 * process, so the engine's machine code is never freed and made again as databases open and
 * close: churning it has crashed V8 (nodejs/node#64500), and compiling it per thread costs time.
 */
function compiledModules(): Promise<PgliteModules> {
  compiling ??= (async () => {
    const dist = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    const [pglite, initdb] = await Promise.all([
      readFile(path.join(dist, 'pglite.wasm')),
      readFile(path.join(dist, 'initdb.wasm')),
    ]);
    const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
      WebAssembly.compile(pglite),
      WebAssembly.compile(initdb),
    ]);
    return { pgliteWasmModule, initdbWasmModule };
  })().catch((error: unknown) => {
    compiling = null;
    throw error;
  });
  return compiling;
}

export class RemotePglite implements PgliteExecutor {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly notificationHandlers = new Map<number, (payload: string) => void>();
  private nextRequest = 1;
  private nextListener = 1;
  private stopped: Error | null = null;
  /** Why the thread ended while the database was open, if it did. */
  private lostWith: Error | null = null;
  private readonly lostHandlers: ((error: Error) => void)[] = [];

  /**
   * Starts the thread and opens the database in `dataDir` (or `memory://`). `loadDataDir`, a
   * tar file written from `dump()`, makes the new database a copy of that one.
   */
  static async open(dataDir: string, options: { loadDataDir?: string } = {}): Promise<RemotePglite> {
    const worker = new Worker(THREAD_URL, {
      workerData: { dataDir, loadDataDir: options.loadDataDir, ...(await compiledModules()) },
    });
    let onMessage!: (message: Response) => void;
    let onError!: (error: Error) => void;
    let onExit!: (code: number) => void;
    const ready = new Promise<void>((resolve, reject) => {
      onMessage = (message) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') reject(deserializeError(message.error));
      };
      onError = reject;
      onExit = (code) => reject(new Error(`the embedded database thread exited with code ${code}`));
    });
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    try {
      await ready;
    } finally {
      // Only these: the worker's own listeners keep its message port running.
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    }
    return new RemotePglite(worker);
  }

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (message: Response) => this.receive(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) =>
      this.fail(new Error(`the embedded database thread exited with code ${code}`)),
    );
    // Idle, the thread does not keep the process alive (as an in-thread PGlite would not).
    worker.unref();
  }

  query<Row = Record<string, unknown>>(text: string, params: unknown[] = [], options?: PgliteQueryOptions) {
    return queryThrough<Row>(this, undefined, text, params, options);
  }

  async exec(text: string): Promise<QueryResultMessage[]> {
    return (await this.call({ op: 'exec', text })) as QueryResultMessage[];
  }

  /** As PGlite's `transaction`: commits when `work` resolves, rolls back when it throws. */
  async transaction<T>(work: (tx: PgliteExecutor) => Promise<T>): Promise<T> {
    const tx = (await this.call({ op: 'begin' })) as number;
    let result: T;
    try {
      result = await work({
        query: (text, params = [], options) => queryThrough(this, tx, text, params, options),
        exec: async (text) => (await this.call({ op: 'exec', tx, text })) as QueryResultMessage[],
      });
    } catch (error) {
      await this.call({ op: 'rollback', tx }).catch(() => {});
      throw error;
    }
    await this.call({ op: 'commit', tx });
    return result;
  }

  /** Subscribes to a NOTIFY channel; resolves to the unsubscribe function. */
  async listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>> {
    const listener = this.nextListener++;
    this.notificationHandlers.set(listener, handler);
    await this.call({ op: 'listen', channel, listener });
    return async () => {
      this.notificationHandlers.delete(listener);
      await this.call({ op: 'unlisten', listener });
    };
  }

  /** The whole database as an uncompressed tar, for `open(…, { loadDataDir })`. */
  async dump(): Promise<Uint8Array> {
    return (await this.call({ op: 'dump' })) as Uint8Array;
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    await this.call({ op: 'close' });
    this.stopped = new Error('the embedded database is closed');
    await this.worker.terminate();
  }

  /** @internal one request to the thread. */
  call(request: DistributiveOmit<Request, 'id'>): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      // A value that cannot be cloned (a function, say) throws here, and the call fails.
      this.worker.postMessage({ ...request, id });
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
    });
  }

  private receive(message: Response): void {
    if (message.type === 'notification') {
      this.notificationHandlers.get(message.listener)?.(message.payload);
      return;
    }
    if (message.type !== 'result' && message.type !== 'error') return;
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker.unref();
    if (message.type === 'result') waiting.resolve(message.value);
    else waiting.reject(deserializeError(message.error));
  }

  /** The thread ended without close(): the database is gone for this process. */
  get lost(): Error | null {
    return this.lostWith;
  }

  onLost(handler: (error: Error) => void): void {
    this.lostHandlers.push(handler);
  }

  private fail(error: Error): void {
    if (this.stopped === null && this.lostWith === null) {
      this.lostWith = error;
      for (const handler of this.lostHandlers) handler(error);
    }
    this.stopped ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

async function queryThrough<Row>(
  client: RemotePglite,
  tx: number | undefined,
  text: string,
  params: unknown[],
  options: PgliteQueryOptions | undefined,
) {
  const remoteOptions: RemoteQueryOptions = { rowMode: options?.rowMode };
  const parsers = options?.parsers;
  const parserTypes = parsers ? Object.keys(parsers).map(Number) : [];
  if (parserTypes.length > 0) remoteOptions.textTypes = parserTypes;
  const result = (await client.call({
    op: 'query',
    tx,
    text,
    params,
    options: remoteOptions,
  })) as QueryResultMessage;
  if (parsers && parserTypes.length > 0) applyParsers(result, parsers, options?.rowMode === 'array');
  return result as { rows: Row[]; fields: QueryResultMessage['fields']; affectedRows?: number };
}

/** The thread kept these types' values as text; the caller's parsers turn them into values. */
function applyParsers(result: QueryResultMessage, parsers: Record<number, Parser>, arrayRows: boolean): void {
  result.fields.forEach((field, index) => {
    const parse = parsers[field.dataTypeID];
    if (!parse) return;
    for (const row of result.rows as Record<string | number, unknown>[]) {
      const key = arrayRows ? index : field.name;
      const value = row[key];
      if (typeof value === 'string') row[key] = parse(value, field.dataTypeID);
    }
  });
}

// The embedded database's own thread. PGlite runs PostgreSQL compiled to WebAssembly on the
// thread that hosts it: here its queries do not hold up the HTTP thread, and the HTTP thread
// does not share its JavaScript engine state with PGlite's extension loading (which measurably
// slows every request of a process; see bench/README.md). Started by pglite-remote.ts.
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import {
  type PgliteModules,
  type RemoteQueryOptions,
  type Request,
  type Response,
  serializeError,
} from './pglite-protocol.ts';

interface OpenTransaction {
  tx: Transaction;
  decide: (commit: boolean) => void;
  ended: Promise<void>;
}

if (!parentPort) throw new Error('pglite-thread.ts runs as a worker thread');
const port = parentPort;
const post = (message: Response) => port.postMessage(message);

const ROLLBACK = Symbol('rollback');
const keepText = (value: string) => value;

let pglite: PGlite;
try {
  const { dataDir, loadDataDir, ...modules } = workerData as {
    dataDir: string;
    loadDataDir?: string;
  } & PgliteModules;
  // A database copied from a tar of another (see RemotePglite.dump) starts without initdb.
  const copyOf = loadDataDir ? new Blob([await readFile(loadDataDir)]) : undefined;
  pglite = await PGlite.create(dataDir, {
    extensions: { vector, pg_trgm },
    ...modules,
    ...(copyOf ? { loadDataDir: copyOf } : {}),
  });
  // New entries of a GIN index (the chunks' text search and trigrams) wait in a pending list that
  // the insert which fills it merges into the index. Here no autovacuum empties it, and the one
  // connection waits for that merge: a 4 MB list (the default) took 300-900 ms per merge while a
  // large upload was indexed. A small list makes each merge short.
  await pglite.exec("SET gin_pending_list_limit = '128kB'");
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', error: serializeError(error) });
  port.close();
  throw error;
}

const transactions = new Map<number, OpenTransaction>();
const listeners = new Map<number, () => Promise<void>>();
let nextTransaction = 1;

port.on('message', (request: Request) => {
  handle(request).then(
    (value) => post({ type: 'result', id: request.id, value }),
    (error: unknown) => post({ type: 'error', id: request.id, error: serializeError(error) }),
  );
});

async function handle(request: Request): Promise<unknown> {
  switch (request.op) {
    case 'query':
      return executorOf(request.tx).query(request.text, request.params, queryOptions(request.options));
    case 'exec':
      return executorOf(request.tx).exec(request.text);
    case 'begin':
      return begin();
    case 'commit':
    case 'rollback':
      return end(request.tx, request.op === 'commit');
    case 'listen': {
      listeners.set(
        request.listener,
        await pglite.listen(request.channel, (payload) =>
          post({ type: 'notification', listener: request.listener, payload }),
        ),
      );
      return null;
    }
    case 'unlisten': {
      const unlisten = listeners.get(request.listener);
      listeners.delete(request.listener);
      await unlisten?.();
      return null;
    }
    case 'dump':
      return new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer());
    case 'close':
      await pglite.close();
      setImmediate(() => port.close());
      return null;
  }
}

function executorOf(tx: number | undefined): Pick<Transaction, 'query' | 'exec'> {
  if (tx === undefined) return pglite;
  const open = transactions.get(tx);
  if (!open) throw new Error(`transaction ${tx} is not open`);
  return open.tx;
}

function queryOptions(options: RemoteQueryOptions) {
  if (!options.textTypes?.length) return { rowMode: options.rowMode };
  const parsers: Record<number, typeof keepText> = {};
  for (const type of options.textTypes) parsers[type] = keepText;
  return { rowMode: options.rowMode, parsers };
}

/** Opens a transaction that stays open until the client commits or rolls it back. */
function begin(): Promise<number> {
  const id = nextTransaction++;
  let decide!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => {
    decide = resolve;
  });
  const open = { decide } as OpenTransaction;
  return new Promise<number>((resolveBegin, rejectBegin) => {
    let begun = false;
    open.ended = pglite
      .transaction(async (tx) => {
        begun = true;
        open.tx = tx;
        transactions.set(id, open);
        resolveBegin(id);
        if (!(await decided)) throw ROLLBACK;
      })
      .catch((error: unknown) => {
        if (!begun) rejectBegin(error);
        else if (error !== ROLLBACK) throw error;
      })
      .finally(() => transactions.delete(id));
    // A failure after BEGIN is reported to the commit that waits for it.
    open.ended.catch(() => {});
  });
}

async function end(id: number, commit: boolean): Promise<null> {
  const open = transactions.get(id);
  if (!open) throw new Error(`transaction ${id} is not open`);
  open.decide(commit);
  await open.ended;
  return null;
}

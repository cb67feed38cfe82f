// The messages between the embedded database's thread (pglite-thread.ts) and the client that
// the rest of the server uses (pglite-remote.ts). Only structured-cloneable values cross.

/** PostgreSQL's compiled WebAssembly, handed to each database thread. */
export interface PgliteModules {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
}

export interface QueryResultMessage {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

/**
 * Options of one query. Parsers are functions and cannot cross threads; the only ones the
 * server passes (drizzle's) keep a type's text as it is, so they travel as the list of those
 * types' oids.
 */
export interface RemoteQueryOptions {
  rowMode?: 'array' | 'object';
  textTypes?: number[];
}

export type Request =
  | { op: 'query'; id: number; tx?: number; text: string; params: unknown[]; options: RemoteQueryOptions }
  | { op: 'exec'; id: number; tx?: number; text: string }
  | { op: 'begin'; id: number }
  | { op: 'commit'; id: number; tx: number }
  | { op: 'rollback'; id: number; tx: number }
  | { op: 'listen'; id: number; channel: string; listener: number }
  | { op: 'unlisten'; id: number; listener: number }
  | { op: 'dump'; id: number }
  | { op: 'close'; id: number };

export type Response =
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'notification'; listener: number; payload: string }
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError };

/** An error with its own properties (PostgreSQL's `code`, `detail`, `constraint`, …). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  properties: Record<string, unknown>;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), properties: {} };
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) properties[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, properties };
}

export function deserializeError(serialized: SerializedError): Error {
  const error = Object.assign(new Error(serialized.message), serialized.properties);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

// One database handle for both modes: embedded PGlite in a data directory, or a PostgreSQL
// server through a pg pool. Repositories use `orm` (drizzle) or `query` (raw SQL); both modes
// speak the same PostgreSQL dialect, so the SQL is the same everywhere.
import { mkdirSync } from 'node:fs';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Logger } from 'pino';
import { explainOpenFailure } from './data-dir.ts';
import { RemotePglite } from './pglite-remote.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Orm = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction or the database itself: repositories accept either. */
export type Executor = Pick<Orm, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

export type NotificationHandler = (payload: string) => void;

export interface Database {
  kind: 'pglite' | 'postgres';
  orm: Orm;
  /**
   * Raw parameterised SQL; returns the rows, with the driver's own type parsing (timestamps as
   * Dates). A `name` makes it a prepared statement on PostgreSQL, parsed once per connection:
   * one name, one text. PGlite prepares nothing, and ignores it.
   */
  query<Row = Record<string, unknown>>(
    text: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<Row[]>;
  /** Runs one SQL string that may hold several statements (no parameters). */
  exec(text: string): Promise<void>;
  /** Subscribes to a NOTIFY channel. Resolves once the subscription is active. */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /**
   * Why the database is gone for good, if it is: the embedded database's thread died. A server
   * connection that drops is not lost (the pool reconnects).
   */
  lost(): Error | null;
  /** Called once if the database is lost. */
  onLost(handler: (error: Error) => void): void;
  /** The embedded database (in a thread of its own), when kind is 'pglite'. */
  pglite?: RemotePglite;
  /** The pool, when kind is 'postgres'. */
  pool?: pg.Pool;
}

export interface QueryOptions {
  name?: string;
}

export interface DatabaseOptions {
  databaseUrl: string | null;
  /** PGlite data directory; `memory://` for a throw-away database. */
  pgliteDir: string;
  /** A tar of another PGlite database (RemotePglite.dump) that a new `memory://` one copies. */
  pgliteTemplate?: string;
  logger: Logger;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options)
    : openPglite(options.pgliteDir, options.pgliteTemplate);
}

async function openPglite(dir: string, template: string | undefined): Promise<Database> {
  let pglite: RemotePglite;
  if (dir.startsWith('memory://')) pglite = await RemotePglite.open(dir, { loadDataDir: template });
  else {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      pglite = await RemotePglite.open(dir);
    } catch (error) {
      throw explainOpenFailure(dir, error as Error);
    }
  }
  // drizzle's PGlite driver calls only query and transaction, which the remote client offers.
  const orm = drizzlePglite({ client: pglite as never, schema }) as unknown as Orm;
  return {
    kind: 'pglite',
    orm,
    pglite,
    async query<Row>(text: string, params: unknown[] = []) {
      const result = await pglite.query<Row>(text, params);
      return result.rows;
    },
    async exec(text: string) {
      await pglite.exec(text);
    },
    async listen(channel, handler) {
      const unsubscribe = await pglite.listen(channel, handler);
      return async () => {
        await unsubscribe();
      };
    },
    async close() {
      await pglite.close();
    },
    lost: () => pglite.lost,
    onLost: (handler) => pglite.onLost(handler),
  };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', (error) => options.logger.warn({ err: error }, 'idle database connection failed'));
  const orm = drizzlePg({ client: pool, schema }) as unknown as Orm;
  const listeners = new PostgresListeners(url, options.logger);
  return {
    kind: 'postgres',
    orm,
    pool,
    async query<Row>(text: string, params: unknown[] = [], queryOptions: QueryOptions = {}) {
      const result = queryOptions.name
        ? await pool.query({ name: queryOptions.name, text, values: params })
        : await pool.query(text, params);
      return result.rows as Row[];
    },
    async exec(text: string) {
      await pool.query(text);
    },
    listen: (channel, handler) => listeners.listen(channel, handler),
    lost: () => null,
    onLost: () => {},
    async close() {
      await listeners.close();
      await pool.end();
    },
  };
}

/**
 * LISTEN needs a connection of its own that stays open. One client serves every channel;
 * when it drops, it reconnects and listens again, and tells handlers with an empty payload
 * so caches built on notifications can be cleared (a notification may have been missed).
 */
class PostgresListeners {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private closed = false;

  private readonly url: string;
  private readonly logger: Logger;

  constructor(url: string, logger: Logger) {
    this.url = url;
    this.logger = logger;
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    assertChannelName(channel);
    const client = await this.connect();
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await client.query(`LISTEN "${channel}"`);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
    };
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    if (!this.connecting) {
      this.connecting = (async () => {
        const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 10_000 });
        client.on('notification', (message) => {
          for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
        });
        client.on('error', (error) => {
          this.logger.warn({ err: error }, 'notification connection lost; reconnecting');
          this.client = null;
          void client.end().catch(() => {});
          this.reconnectSoon();
        });
        await client.connect();
        for (const channel of this.handlers.keys()) await client.query(`LISTEN "${channel}"`);
        this.client = client;
        return client;
      })().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private reconnectSoon(): void {
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed) return;
      this.connect()
        .then(() => {
          for (const set of this.handlers.values()) for (const handler of set) handler('');
        })
        .catch(() => this.reconnectSoon());
    }, 1000).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => {});
  }
}

function assertChannelName(channel: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name: ${channel}`);
}

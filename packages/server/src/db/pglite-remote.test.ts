import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlState } from '../lib/db-errors.ts';
import { RemotePglite } from './pglite-remote.ts';

// The embedded database in its own thread behaves as PGlite does in the caller's.
describe('RemotePglite', () => {
  let db: RemotePglite;
  beforeAll(async () => {
    db = await RemotePglite.open('memory://');
    await db.exec('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, at timestamptz, data bytea)');
  });
  afterAll(async () => {
    await db.close();
  });

  it('answers queries with parameters, in object and array rows, with their fields', async () => {
    await db.query('INSERT INTO items (id, name, data) VALUES ($1, $2, $3)', [
      1,
      'one',
      new Uint8Array([1, 2, 3]),
    ]);
    const objects = await db.query<{ id: number; name: string; data: Uint8Array }>(
      'SELECT id, name, data FROM items WHERE id = $1',
      [1],
    );
    expect(objects.rows).toEqual([{ id: 1, name: 'one', data: new Uint8Array([1, 2, 3]) }]);
    expect(objects.fields.map((field) => field.name)).toEqual(['id', 'name', 'data']);
    const arrays = await db.query('SELECT id, name FROM items', [], { rowMode: 'array' });
    expect(arrays.rows).toEqual([[1, 'one']]);
  });

  it("applies the caller's parsers to the types they name, and PGlite's own to the others", async () => {
    await db.query('UPDATE items SET at = $1 WHERE id = 1', ['2026-01-02T03:04:05Z']);
    const parsed = await db.query<{ at: Date }>('SELECT at FROM items WHERE id = 1');
    expect(parsed.rows[0]!.at).toEqual(new Date('2026-01-02T03:04:05Z'));
    const asText = await db.query<{ at: string; id: number }>('SELECT at, id FROM items WHERE id = 1', [], {
      parsers: { 1184: (value) => `text:${value}` },
    });
    expect(asText.rows[0]).toEqual({ at: 'text:2026-01-02 03:04:05+00', id: 1 });
  });

  it('runs several statements in one exec, with a result for each', async () => {
    const results = await db.exec('SELECT 1 AS a; SELECT 2 AS b');
    expect(results.map((result) => result.rows)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  });

  it('passes on PostgreSQL errors with their SQLSTATE and details', async () => {
    const error = await db
      .query('INSERT INTO items (id, name) VALUES (1, $1)', ['again'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(sqlState(error)).toBe('23505');
    expect((error as { constraint?: string }).constraint).toBe('items_pkey');
    expect((error as Error).message).toMatch(/duplicate key/);
  });

  it('commits a transaction whose work resolves, and rolls back one whose work throws', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (id, name) VALUES (2, $1)', ['two']);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, name) VALUES (3, $1)', ['three']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const { rows } = await db.query<{ id: number }>('SELECT id FROM items ORDER BY id');
    expect(rows.map((row) => row.id)).toEqual([1, 2]);
  });

  it('holds other queries until a transaction ends, so they never see its work half done', async () => {
    let outsideSaw: number | null = null;
    let outside: Promise<void> = Promise.resolve();
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (id, name) VALUES (4, $1)', ['four']);
      outside = db.query<{ count: number }>('SELECT count(*)::int AS count FROM items').then((result) => {
        outsideSaw = result.rows[0]!.count;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(outsideSaw).toBeNull();
      await tx.query('INSERT INTO items (id, name) VALUES (5, $1)', ['five']);
    });
    await outside;
    expect(outsideSaw).toBe(4);
  });

  it('delivers notifications to listeners until they unsubscribe', async () => {
    const received: string[] = [];
    const unlisten = await db.listen('changes', (payload) => received.push(payload));
    await db.query("SELECT pg_notify('changes', 'first')");
    await expect.poll(() => received).toEqual(['first']);
    await unlisten();
    await db.query("SELECT pg_notify('changes', 'second')");
    await db.query('SELECT 1');
    expect(received).toEqual(['first']);
  });

  it('refuses a parameter that cannot cross threads, and keeps working', async () => {
    await expect(db.query('SELECT $1::text AS value', [() => 'a function'])).rejects.toThrow();
    const { rows } = await db.query<{ value: string }>('SELECT $1::text AS value', ['fine']);
    expect(rows).toEqual([{ value: 'fine' }]);
  });
});

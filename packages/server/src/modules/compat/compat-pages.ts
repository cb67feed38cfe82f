// The seeds' pagination styles on top of Parley's keyset pages (newest first, `limit` rows
// after `beforeId`): every row (bare arrays), page/per_page, and Chatsby's opaque cursors.
import { AppError } from '../../lib/errors.ts';
import { parsePrefixedId } from './compat-ids.ts';

export type KeysetPage<Row> = (page: { limit: number; beforeId: string | null }) => Promise<Row[]>;

const BATCH = 100;
/** Rows a bare-array list answers at most; the seeds document no limit, a response needs one. */
export const MAX_BARE_ROWS = 1000;

/** Every row (up to MAX_BARE_ROWS), walking the keyset pages. */
export async function allRows<Row extends { id: string }>(fetch: KeysetPage<Row>): Promise<Row[]> {
  const rows: Row[] = [];
  let beforeId: string | null = null;
  while (rows.length < MAX_BARE_ROWS) {
    const batch = await fetch({ limit: Math.min(BATCH, MAX_BARE_ROWS - rows.length), beforeId });
    rows.push(...batch);
    if (batch.length < BATCH) break;
    beforeId = batch.at(-1)!.id;
  }
  return rows;
}

/** page/per_page: the deepest row a page may reach, so a request's cost stays bounded. */
export const MAX_OFFSET_ROWS = 10_000;

export interface OffsetPage<Row> {
  rows: Row[];
  page: number;
  perPage: number;
  /** Whether a row exists after this page. */
  hasMore: boolean;
}

/**
 * Page `page` of `perPage` rows: the keyset walk reads the rows before it in one query of up to
 * page × perPage + 1 rows (the last one only tells whether there is more).
 */
export async function offsetPage<Row>(
  fetch: (limit: number) => Promise<Row[]>,
  page: number,
  perPage: number,
  param = 'page',
): Promise<OffsetPage<Row>> {
  const end = page * perPage;
  if (end > MAX_OFFSET_ROWS) {
    throw AppError.invalid(
      'page_too_deep',
      `Pages reach at most row ${MAX_OFFSET_ROWS}: page ${page} of ${perPage} goes past it. Filter the list instead.`,
      param,
    );
  }
  const rows = await fetch(end + 1);
  return { rows: rows.slice(end - perPage, end), page, perPage, hasMore: rows.length > end };
}

/**
 * Chatsby-style cursor: base64url of the last row's position as JSON, e.g. {"id": "agent_…"}
 * (the seed's own example decodes to that shape). Ids in it are in the seed's form.
 */
export function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position inside a cursor, with every field named, or a 400 naming `cursor`. */
export function decodeCursor<Field extends string>(cursor: string, fields: Field[]): Record<Field, string> {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (parsed && fields.every((field) => typeof parsed[field] === 'string')) {
      return parsed as Record<Field, string>;
    }
  } catch {
    // answered below
  }
  throw invalidCursor();
}

/** The id a cursor `{"id": "prefix_…"}` holds; a cursor that holds no such id is invalid. */
export function cursorId(cursor: string, prefix: string): string {
  const { id } = decodeCursor(cursor, ['id']);
  try {
    return parsePrefixedId(prefix, id, 'cursor');
  } catch {
    throw invalidCursor();
  }
}

export function invalidCursor(): AppError {
  return AppError.invalid(
    'invalid_cursor',
    'The cursor is not valid: pass next_cursor from a previous page.',
    'cursor',
  );
}

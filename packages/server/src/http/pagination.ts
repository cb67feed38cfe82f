// Cursor pagination: `?page_size=20&cursor=…` → `{data, has_more, next_cursor}`.
// Cursors are opaque: base64url of the last row's sort key (a UUIDv7, so newest-first is id order).
import { Type } from 'typebox';
import { AppError } from '../lib/errors.ts';

export const PageQuery = Type.Object({
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

export interface PageRequest {
  pageSize: number;
  /** The id after which the page starts, or null for the first page. */
  afterId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(id: string): string {
  return Buffer.from(`v1:${id}`).toString('base64url');
}

export function parsePage(query: { page_size?: number; cursor?: string }): PageRequest {
  const pageSize = query.page_size ?? 20;
  if (!query.cursor) return { pageSize, afterId: null };
  const decoded = Buffer.from(query.cursor, 'base64url').toString('utf8');
  const id = decoded.startsWith('v1:') ? decoded.slice(3) : '';
  if (!UUID.test(id)) {
    throw AppError.invalid(
      'invalid_cursor',
      'The cursor is not valid: pass next_cursor from a previous page.',
      'cursor',
    );
  }
  return { pageSize, afterId: id };
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** Rows fetched with limit pageSize + 1: the extra row only tells whether there is more. */
export function toPage<Row extends { id: string }, T>(
  rows: Row[],
  page: PageRequest,
  present: (row: Row) => T,
): Page<T> {
  const hasMore = rows.length > page.pageSize;
  const pageRows = hasMore ? rows.slice(0, page.pageSize) : rows;
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(present),
    has_more: hasMore,
    next_cursor: hasMore && last ? encodeCursor(last.id) : null,
  };
}

export function pageSchema<T extends import('typebox').TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    has_more: Type.Boolean(),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  });
}

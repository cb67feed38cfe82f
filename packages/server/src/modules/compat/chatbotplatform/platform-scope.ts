// The chatbot platform's conventions (seed 004) on Parley's: Parley's objects and error envelope,
// with page/per_page pages, 201 on create, and 422 for a request whose values fail validation.
import type { FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { AppError } from '../../../lib/errors.ts';
import { offsetPage } from '../compat-pages.ts';
import { type CompatSeed, statusInTable } from '../compat-scope.ts';

export const PLATFORM_BASE = '/compat/chatbotplatform';

/** Requests that cannot be read at all stay 400; the ones whose values are wrong become 422. */
const UNREADABLE = new Set([
  'invalid_json',
  'invalid_url',
  'invalid_content_length',
  'invalid_multipart',
  'invalid_idempotency_key',
  'unsupported_media_type',
  'body_too_large',
  'file_too_large',
  'url_too_long',
]);

const STATUSES = { client: [400, 401, 403, 404, 422, 429], server: [500] };

export const platformSeed: CompatSeed = {
  basePath: PLATFORM_BASE,
  errorSchema: Type.Object(
    {
      error: Type.Object({
        type: Type.String(),
        code: Type.String(),
        message: Type.String(),
        param: Type.Union([Type.String(), Type.Null()], { description: 'The offending field, when one is.' }),
        status: Type.Integer(),
        request_id: Type.String(),
      }),
    },
    {
      description: 'Every error has this shape: 422 for invalid values, 400 for a body that cannot be read.',
    },
  ),
  keyExample: 'prl_live_…',
  rate: {
    // The platform's plans (free 60, pro 300, enterprise 1,000 a minute) are Parley's.
    perMinute: (principal) => principal.limits.requests_per_minute,
    limitHeaders: true,
    retryAfter: true,
    message: (limit, decision) =>
      `Too many requests: this key may make ${limit} requests per minute. Retry after ${decision.retryAfterSeconds} s.`,
  },
  formatError(error, request) {
    const unknown = pathIdNotFound(error, request);
    if (unknown) return platformSeed.formatError(unknown, request);
    const validation =
      error.type === 'invalid_request_error' && error.status === 400 && !UNREADABLE.has(error.code);
    // The seed's table: 400, 401, 403, 404, 422, 429, 500 (a conflict is a 400, a provider's or
    // platform's failure a 500).
    const status = statusInTable(STATUSES, validation ? 422 : error.status);
    const { type, code, message } = error;
    return {
      status,
      body: { error: { type, code, message, param: error.param ?? null, status, request_id: request.id } },
    };
  },
};

/**
 * An id in the path that cannot be one (`/bots/nonexistent`) names nothing: 404, as an unknown
 * well-formed id is, and as a client of the platform expects; ids in a body stay a 422.
 */
function pathIdNotFound(error: AppError, request: FastifyRequest): AppError | null {
  const params = (request.params ?? {}) as Record<string, string>;
  if (error.code !== 'invalid_id' || !error.param || !(error.param in params)) return null;
  const segments = (request.routeOptions.url ?? '').split('/');
  const collection = segments[segments.indexOf(`:${error.param}`) - 1] ?? 'resource';
  const what = collection.replace(/s$/, '').replaceAll('-', ' ');
  return AppError.notFound(what, params[error.param]!);
}

export const OffsetQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'Page number, from 1.' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

export function offsetPageSchema<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    page: Type.Integer(),
    per_page: Type.Integer(),
    has_more: Type.Boolean({ description: 'true: page + 1 has rows.' }),
  });
}

/** One page of `page`/`per_page` as the platform answers it: `{data, page, per_page, has_more}`. */
export async function offsetResponse<Row, T>(
  query: { page?: number; per_page?: number },
  fetch: (limit: number) => Promise<Row[]>,
  present: (rows: Row[]) => T[] | Promise<T[]>,
) {
  const page = query.page ?? 1;
  const perPage = query.per_page ?? 20;
  const result = await offsetPage(fetch, page, perPage);
  return { data: await present(result.rows), page, per_page: perPage, has_more: result.hasMore };
}

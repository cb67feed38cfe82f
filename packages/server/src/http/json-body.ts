// Request bodies: JSON (application/json) and, where a route reads them, multipart uploads.
// Any other media type is a 415, text/plain included: a JSON body sent as text is a client
// mistake to report, not a string to validate.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.ts';

/**
 * How deeply a JSON body may nest objects and arrays. Generous for real metadata, and far below
 * what would overflow the stack of anything that walks the parsed value (validation, hashing,
 * JSON.stringify when it is stored).
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests deeper than `limit`, read before it is parsed: one pass over the
 * characters, brackets inside strings not counted. Malformed text is left to the parser.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
      if (depth > limit) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Fastify's JSON parser with the depth guard, and an empty body read as none. */
type BodyParser = (
  request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
) => void;

/** JSON is UTF-8 (RFC 8259): other bytes are refused, not stored as replacement characters. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function jsonBodyParser(app: FastifyInstance): BodyParser {
  // Fastify's own parser, with its guard against __proto__ and constructor.prototype keys.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  return (request, bytes, done) => {
    let body: string;
    try {
      body = typeof bytes === 'string' ? bytes : utf8.decode(bytes);
    } catch {
      done(AppError.invalid('invalid_encoding', 'The request body is not valid UTF-8.'), undefined);
      return;
    }
    // An empty body is no body, as a bodyless POST is: the route's schema says whether it needs one.
    if (body.trim() === '') {
      done(null, undefined);
      return;
    }
    if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
      done(
        AppError.invalid(
          'json_too_deep',
          `The request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels.`,
        ),
        undefined,
      );
      return;
    }
    parseJson(request, body, done);
  };
}

export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser(app));
}

/**
 * Within `scope`, a body under any media type other than multipart (text/plain, none at all) is
 * read as JSON, as the frameworks behind the seed products read it: a client that worked there
 * without the header works here. These routes take API keys only, never a cookie, so a body a
 * browser may send cross-site without asking first gives nothing away.
 */
export function readAnyBodyAsJson(scope: FastifyInstance): void {
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, jsonBodyParser(scope));
}

/** preValidation of a route whose body may be left out: a bare POST reads as `{}` (`null` does not). */
export async function optionalBody(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Within `scope`, a write route that takes no body (rotate a secret, send a test, delete) refuses
 * one, `{}` and `null` aside: a body it would ignore is a client's mistake to report, not to act
 * on as if it were not there.
 */
export function refuseUnexpectedBodies(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (route.schema?.body || !methods.some((method) => WRITE_METHODS.has(method))) return;
    const refuse = async (request: FastifyRequest) => {
      const { body } = request;
      if (body === undefined || body === null) return;
      if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
      throw AppError.invalid(
        'unexpected_body',
        `${request.method} ${route.url} takes no request body: send none, or {}.`,
      );
    };
    const existing = route.preValidation;
    route.preValidation = [...(existing === undefined ? [] : [existing].flat()), refuse];
  });
}

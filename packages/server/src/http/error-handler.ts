// Writes every error in the envelope of architecture §3. Unknown errors become a generic 500:
// the full error goes to the log with the request id, never to the caller.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorBody } from '../lib/errors.ts';
import { NOT_BLANK } from './schemas.ts';
import { limitRule, patternRule } from './validation-messages.ts';

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** How an error names each part of a request. */
export const CONTEXT_NAMES: Record<string, string> = {
  body: 'field',
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
};

function paramOf(error: AjvError): string | undefined {
  const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const extra = (error.params.missingProperty ?? error.params.additionalProperty) as string | undefined;
  if (extra) return path ? `${path}.${extra}` : extra;
  return path || undefined;
}

/** Turns Fastify's schema validation failure into a 400 that names the offending parameter. */
export function validationError(error: FastifyError): AppError {
  const first = (error.validation?.[0] ?? { keyword: 'unknown', instancePath: '', params: {} }) as AjvError;
  const param = paramOf(first);
  const where = CONTEXT_NAMES[error.validationContext ?? 'body'] ?? 'field';
  const name = param ? `'${param}'` : `the request ${where === 'field' ? 'body' : where}`;
  // "The field 'name' …", or "The request body …" when the body as a whole is wrong.
  const subject = param ? `The ${where} ${name}` : `The request ${where === 'field' ? 'body' : where}`;
  switch (first.keyword) {
    case 'required':
      return AppError.invalid('missing_required_field', `The ${where} ${name} is required.`, param);
    case 'additionalProperties':
      return AppError.invalid('unknown_parameter', `Unknown ${where} ${name}.`, param);
    case 'discriminator': {
      const tag = String(first.params.tag ?? 'type');
      return AppError.invalid(
        'invalid_parameter',
        `The ${where} '${tag}' is missing or not one this endpoint accepts.`,
        tag,
      );
    }
    case 'enum':
      return AppError.invalid(
        'invalid_parameter',
        `The ${where} ${name} must be one of: ${(first.params.allowedValues as unknown[]).join(', ')}.`,
        param,
      );
    case 'const': {
      // A union of literals ('bottom-right' | 'bottom-left') fails each branch's const: name them all.
      const allowed = (error.validation as AjvError[])
        .filter((e) => e.keyword === 'const' && e.instancePath === first.instancePath)
        .map((e) => e.params.allowedValue);
      return AppError.invalid(
        'invalid_parameter',
        `The ${where} ${name} must be one of: ${allowed.join(', ')}.`,
        param,
      );
    }
    case 'pattern':
      if (first.params.pattern === NOT_BLANK) {
        return AppError.invalid('invalid_parameter', `${subject} must not be blank.`, param);
      }
      return AppError.invalid(
        'invalid_parameter',
        `${subject} ${patternRule(String(first.params.pattern))}.`,
        param,
      );
    case 'type':
      return AppError.invalid(
        'invalid_parameter',
        `${subject} must be ${typeNames(first.params.type)}.`,
        param,
      );
    default: {
      const rule = limitRule(first.keyword, first.params.limit);
      return AppError.invalid(
        'invalid_parameter',
        `${subject} ${rule ?? first.message ?? 'is invalid'}.`,
        param,
      );
    }
  }
}

/** Ajv's "string,number,boolean" as "a string, a number or a boolean". */
function typeNames(type: unknown): string {
  const names = String(type)
    .split(',')
    .map((name) => (name === 'integer' || name === 'object' || name === 'array' ? `an ${name}` : `a ${name}`))
    .map((name) => (name === 'a null' ? 'null' : name));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names[0]!;
}

const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid_json',
    message: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body_too_large',
    message: 'The request body is too large.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Unsupported Content-Type: send application/json.',
  },
  FST_REQ_FILE_TOO_LARGE: {
    status: 413,
    code: 'file_too_large',
    message: 'The uploaded file is larger than this server accepts (PARLEY_MAX_UPLOAD_BYTES).',
  },
  FST_FILES_LIMIT: {
    status: 400,
    code: 'too_many_files',
    message: 'Send one file per request, in the `file` field.',
  },
  FST_PARTS_LIMIT: {
    status: 400,
    code: 'too_many_parts',
    message: 'The multipart body has more parts than an upload takes (one file and a few fields).',
  },
  FST_FIELDS_LIMIT: {
    status: 400,
    code: 'too_many_parts',
    message: 'The multipart body has more fields than an upload takes.',
  },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    status: 400,
    code: 'invalid_multipart',
    message: 'The request is not valid multipart/form-data.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_content_length',
    message: 'The Content-Length header does not match the body.',
  },
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'invalid_url',
    message: 'The URL is not valid: it has broken percent-encoding.',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'url_too_long',
    message: 'A path parameter of the URL is too long to be an id.',
  },
};

export function toAppError(error: FastifyError | Error): AppError | null {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationError(fastifyError);
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known)
    return new AppError('invalid_request_error', known.code, known.message, { status: known.status });
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return AppError.invalid('invalid_json', 'The request body is not valid JSON.');
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return new AppError('invalid_request_error', 'invalid_request', error.message, { status });
  }
  return null;
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: AppError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const body: { error: ErrorBody } = { error: error.toBody(request.id) };
  return reply.code(error.status).type('application/json; charset=utf-8').send(body);
}

/**
 * The router refuses some URLs before any hook runs (broken percent-encoding, an overlong path
 * parameter): Fastify's `frameworkErrors` option sends them here, into the same envelope.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Request-Id', request.id);
  sendError(reply, request, toAppError(error) ?? AppError.invalid('invalid_url', 'The URL is not valid.'));
}

/**
 * The AppError to answer for any thrown error: unknown ones become a generic 500, and only the
 * log sees them. Shared by every API's error handler, whatever body shape it writes.
 */
export function resolveError(error: FastifyError | Error, request: FastifyRequest): AppError {
  const appError = toAppError(error);
  if (appError) return appError;
  request.log.error({ err: error }, 'unhandled error');
  return new AppError(
    'api_error',
    'internal_error',
    `Something went wrong on our side. Request id: ${request.id}.`,
  );
}

/** The 404 for a URL no route matches. */
export function routeNotFound(request: FastifyRequest): AppError {
  return new AppError(
    'not_found_error',
    'route_not_found',
    `No route ${request.method} ${request.url.split('?')[0]}.`,
  );
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) =>
    sendError(reply, request, resolveError(error, request)),
  );
  app.setNotFoundHandler((request, reply) => sendError(reply, request, routeNotFound(request)));
}

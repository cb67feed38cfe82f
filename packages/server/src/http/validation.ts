// Request validation. Query strings and path parameters arrive as text, so they are coerced to
// the schema's types; JSON bodies are not: `{"name": 42}` is an error, not the string "42".
// Before any schema, every string of every validated part (body, query, path, headers) must be
// text PostgreSQL can store: no NUL character, no unpaired UTF-16 surrogate.
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import { AppError } from '../lib/errors.ts';
import { CONTEXT_NAMES, validationError } from './error-handler.ts';

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
    discriminator: true,
    ...options,
  });
  addFormats.default(ajv);
  return ajv;
}

const bodies = createAjv({ coerceTypes: false });
const textParts = createAjv({ coerceTypes: 'array' });

/** A string PostgreSQL refuses (NUL) or that is not Unicode text (a lone surrogate). */
function unstorable(text: string): boolean {
  return text.includes('\0') || !text.isWellFormed();
}

/**
 * Where a value holds a string that is not storable text, as a dotted path in the style of
 * validation errors (`metadata.tags.1`); for an object key, the path of its object. Null when
 * the value is clean. Iterative: the value may come from somewhere that bounds no depth.
 */
export function findUnstorableText(value: unknown): { path: string; inKey: boolean } | null {
  const pending: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop()!;
    if (typeof current === 'string') {
      if (unstorable(current)) return { path, inKey: false };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) {
        pending.push({ value: current[i], path: path ? `${path}.${i}` : String(i) });
      }
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        if (unstorable(key)) return { path, inKey: true };
        pending.push({ value: child, path: path ? `${path}.${key}` : key });
      }
    }
  }
  return null;
}

function unstorableTextError(found: { path: string; inKey: boolean }, httpPart: string): AppError {
  const where = CONTEXT_NAMES[httpPart] ?? 'field';
  const subject = found.inKey
    ? `A key of the ${where} ${found.path ? `'${found.path}'` : 'body'}`
    : found.path
      ? `The ${where} '${found.path}'`
      : `The request ${where === 'field' ? 'body' : where}`;
  return AppError.invalid(
    'invalid_characters',
    `${subject} holds a NUL character or an unpaired UTF-16 surrogate, which text may not contain.`,
    found.path || undefined,
  );
}

/** The compiled schema, preceded by the check for unstorable text, as Fastify calls it. */
function guarded(validate: ValidateFunction, httpPart: string) {
  const check = (data: unknown, context?: unknown) => {
    const found = findUnstorableText(data);
    if (found) return { error: unstorableTextError(found, httpPart) };
    if (validate(data, context as never)) return true;
    check.errors = validate.errors;
    return false;
  };
  check.errors = null as ValidateFunction['errors'];
  // Fastify passes the parent object to a validator with schemaEnv, so Ajv may coerce a root value.
  check.schemaEnv = validate.schemaEnv;
  return check;
}

export function registerValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) =>
    guarded(httpPart === 'body' ? bodies.compile(schema) : textParts.compile(schema), httpPart ?? 'body'),
  );
}

const compiled = new WeakMap<TSchema, ValidateFunction>();

/**
 * Validates a value against a body schema outside HTTP (the CLI), with the same rules and the
 * same error as the API. Returns the value typed by the schema.
 */
export function validateInput<T>(schema: TSchema, value: unknown): T {
  const found = findUnstorableText(value);
  if (found) throw unstorableTextError(found, 'body');
  let validate = compiled.get(schema);
  if (!validate) {
    validate = bodies.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(value)) {
    const error = new Error('validation failed') as FastifyError;
    (error as { validation?: unknown }).validation = validate.errors;
    (error as { validationContext?: string }).validationContext = 'body';
    throw validationError(error);
  }
  return value as T;
}

/**
 * The 400 for a query string whose percent-encoding is broken (`%zz`) or does not spell UTF-8
 * (`%FF`, an encoded surrogate), as a path with them gets: the query parser would otherwise keep
 * such bytes as they are, or drop them. Undefined when the query string is fine (or absent).
 */
export function brokenQueryString(url: string): AppError | undefined {
  const start = url.indexOf('?');
  if (start < 0 || !url.includes('%', start)) return undefined;
  try {
    decodeURIComponent(url.slice(start + 1));
    return undefined;
  } catch {
    return AppError.invalid(
      'invalid_url',
      'The query string is not valid: it has broken percent-encoding, or bytes that are not UTF-8.',
    );
  }
}

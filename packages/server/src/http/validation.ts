// Request validation. Query strings and path parameters arrive as text, so they are coerced to
// the schema's types; JSON bodies are not: `{"name": 42}` is an error, not the string "42".
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import { validationError } from './error-handler.ts';

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

export function registerValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? bodies.compile(schema) : textParts.compile(schema),
  );
}

const compiled = new WeakMap<TSchema, ValidateFunction>();

/**
 * Validates a value against a body schema outside HTTP (the CLI), with the same rules and the
 * same error as the API. Returns the value typed by the schema.
 */
export function validateInput<T>(schema: TSchema, value: unknown): T {
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

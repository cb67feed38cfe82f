// Request validation. Query strings and path parameters arrive as text, so they are coerced to
// the schema's types; JSON bodies are not: `{"name": 42}` is an error, not the string "42".
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
    ...options,
  });
  addFormats.default(ajv);
  return ajv;
}

export function registerValidation(app: FastifyInstance): void {
  const bodies = createAjv({ coerceTypes: false });
  const textParts = createAjv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? bodies.compile(schema) : textParts.compile(schema),
  );
}

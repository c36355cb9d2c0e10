import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * Validation without type coercion for the runner's bodies. The shared server coerces (query
 * strings need it), and coercion would turn `body_b64: null` into "" — a body that was never sent —
 * or "" into null. Errors keep Ajv's shape, so the shared error handler reports them the same way.
 */
export const strictValidator: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const validator = Compile(schema);
  const validate = (data: unknown) => {
    if (validator.Check(data)) return true;
    validate.errors = validator
      .Errors(data)
      .slice(0, 10)
      .map((e) => ({
        keyword: e.keyword,
        schemaPath: e.schemaPath,
        instancePath: e.instancePath,
        params: {},
        message: e.message,
      }));
    return false;
  };
  validate.errors = [] as FastifySchemaValidationError[];
  return validate;
};

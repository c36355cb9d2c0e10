import type { TSchema } from 'typebox';

/** A short human phrase for what a variable's schema accepts, for start-up errors and docs. */
export function describeSchema(schema: TSchema): string {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.anyOf)) {
    const values = (s.anyOf as Record<string, unknown>[]).map((o) => String(o.const));
    return `one of ${values.join(', ')}`;
  }
  switch (s.type) {
    case 'boolean':
      return 'true or false';
    case 'integer': {
      const min = s.minimum as number | undefined;
      const max = s.maximum as number | undefined;
      if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
      if (min !== undefined) return `an integer of at least ${min}`;
      return 'an integer';
    }
    case 'string': {
      if (typeof s.pattern === 'string') return `a string matching ${s.pattern}`;
      const minLength = s.minLength as number | undefined;
      if (minLength && minLength > 1) return `a string of at least ${minLength} characters`;
      return 'a string';
    }
    default:
      return 'a valid value';
  }
}

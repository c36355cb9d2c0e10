/**
 * The manifest's `config` is a JSON Schema for the install configuration. It is compiled with Ajv
 * (strict mode, so misspelled keywords like `requried` are errors, not silently ignored) and the
 * same compiler is exported for the registry to validate install configs, so "valid schema" and
 * "valid config" are judged by one implementation.
 */
import { Ajv, type ErrorObject, type ValidateFunction, type Options } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ManifestIssue } from './bundle-error.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

const OPTIONS: Options = {
  strict: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allErrors: true,
  allowUnionTypes: true,
  // Network access from a registry validating uploads is never acceptable: remote $refs fail.
  loadSchema: undefined,
};

let draft07: Ajv | undefined;
let draft2020: Ajv | undefined;

function compilerFor(schema: Record<string, unknown>): Ajv {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (declared.includes('2020-12')) {
    draft2020 ??= addFormats(new Ajv2020(OPTIONS) as unknown as Ajv);
    return draft2020;
  }
  draft07 ??= addFormats(new Ajv(OPTIONS));
  return draft07;
}

export interface CompiledConfigSchema {
  /** Issues with paths relative to the config value (`timeout`, `hosts[1]`); empty when valid. */
  validate(config: unknown): ManifestIssue[];
}

/**
 * Compiles a config schema; issues (paths under `config`) when it is not a valid JSON Schema.
 * Supports draft-07 (default) and 2020-12 (when `$schema` says so).
 */
export function compileConfigSchema(
  schema: Record<string, unknown>,
): { ok: true; schema: CompiledConfigSchema } | { ok: false; issues: ManifestIssue[] } {
  const issues: ManifestIssue[] = [];
  if (schema.type !== undefined && schema.type !== 'object') {
    issues.push({
      path: 'config.type',
      message: 'the install configuration is an object: type must be "object"',
    });
    return { ok: false, issues };
  }
  const ajv = compilerFor(schema);
  if (!ajv.validateSchema(schema)) {
    for (const error of ajv.errors ?? []) {
      issues.push({
        path: joinPath('config', error.instancePath),
        message: `invalid JSON Schema: ${error.message ?? 'invalid'}`,
      });
    }
    return { ok: false, issues };
  }
  let validateFn: ValidateFunction;
  try {
    validateFn = ajv.compile(schema);
  } catch (err) {
    return {
      ok: false,
      issues: [{ path: 'config', message: `invalid JSON Schema: ${(err as Error).message}` }],
    };
  } finally {
    // Ajv caches compiled schemas (and reserves their $id); forget this one so a long-running
    // registry does not grow and the next bundle may reuse the same $id.
    ajv.removeSchema(schema);
  }
  return {
    ok: true,
    schema: {
      validate(config: unknown): ManifestIssue[] {
        if (validateFn(config)) return [];
        return (validateFn.errors ?? []).map(configIssue);
      },
    },
  };
}

function configIssue(error: ErrorObject): ManifestIssue {
  let path = joinPath('', error.instancePath);
  if (error.keyword === 'required' && typeof error.params.missingProperty === 'string') {
    path = joinPath(path, `/${error.params.missingProperty}`);
  } else if (
    error.keyword === 'additionalProperties' &&
    typeof error.params.additionalProperty === 'string'
  ) {
    path = joinPath(path, `/${error.params.additionalProperty}`);
    return { path, message: 'unknown field' };
  }
  return { path, message: error.message ?? 'is invalid' };
}

/** JSON pointer (`/a/0/b`) → dotted path (`a[0].b`) under `base`. */
export function joinPath(base: string, pointer: string): string {
  let path = base;
  if (pointer === '') return path;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(token)) path += `[${token}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(token)) path += path === '' ? token : `.${token}`;
    else path += `[${JSON.stringify(token)}]`;
  }
  return path;
}

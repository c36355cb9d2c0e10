// Node-only: where the WIT lives and its text, for tools that embed or componentize against it
// (the runner, the CLI, tests). Guest code imports '@annex/sdk' instead.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export {
  WIT_PACKAGE,
  WORLD,
  HOST_IMPORTS,
  HANDLER_EXPORT,
  IMPORT_CAPABILITIES,
} from './import-specifiers.js';

/** Absolute path of `wit/annex.wit` (the whole package in one file). */
export const witPath = fileURLToPath(new URL('../wit/annex.wit', import.meta.url));

/** The WIT text. Pass this rather than a path to jco and componentize-js (preview2-shim has no preopens). */
export const witSource = readFileSync(witPath, 'utf8');

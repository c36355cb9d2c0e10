import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replaceConfigTable } from './config-table.js';

/** `pnpm docs:config`: rewrites the configuration table in README.md. */
export const CONFIG_DOC = fileURLToPath(new URL('../../../README.md', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CONFIG_DOC, replaceConfigTable(readFileSync(CONFIG_DOC, 'utf8')));
  console.log(`updated ${CONFIG_DOC}`);
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { replaceConfigTable, VARIABLE_NAMES, VARIABLES } from '@annex/config';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

t.test('the README configuration table is generated from the schema and up to date', async (t) => {
  const readme = readFileSync(README, 'utf8');
  t.equal(readme, replaceConfigTable(readme), 'stale: run `pnpm docs:config` and commit README.md');
  for (const name of VARIABLE_NAMES) t.match(readme, `| \`${name}\` |`, `${name} is documented`);
});

t.test('every variable has a description and names its services', async (t) => {
  for (const name of VARIABLE_NAMES) {
    const spec = VARIABLES[name];
    t.ok(spec.description.length > 10, `${name} described`);
    t.ok(spec.services.length > 0, `${name} has services`);
  }
});

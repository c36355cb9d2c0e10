// The images hold only what each program declares (`pnpm deploy --prod`): a package the code imports
// but its package.json does not list resolves in the workspace (through the root's devDependencies)
// and fails in the container. This finds such imports in the programs the images run, and in every
// workspace package they depend on, in milliseconds (deploy-image-*.test.ts proves it end to end).
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { REPO } from './deploy-support.js';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const WORKSPACE_DIRS = ['services', 'packages', 'examples']
  .flatMap((group) => readdirSync(join(REPO, group)).map((d) => `${group}/${d}`))
  .concat(['migrations', 'test/support'])
  .filter((dir) => {
    try {
      return statSync(join(REPO, dir, 'package.json')).isFile();
    } catch {
      return false;
    }
  });

const packages = new Map<string, { dir: string; manifest: Manifest }>(
  WORKSPACE_DIRS.map((dir) => {
    const manifest = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as Manifest;
    return [manifest.name, { dir, manifest }];
  }),
);

/** The programs of the images (Dockerfile.registry, Dockerfile.runner) and what they pull in. */
const ROOTS = ['@annex/registry', '@annex/runner', '@annex/cli'];

function productionClosure(roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    const pkg = packages.get(name);
    if (!pkg || seen.has(name)) return;
    seen.add(name);
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) visit(dep);
  };
  roots.forEach(visit);
  return [...seen].sort();
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(join(REPO, dir, 'src'));
  for (const file of ['index.js', 'bin']) {
    const path = join(REPO, dir, file);
    try {
      if (statSync(path).isDirectory()) walk(path);
      else out.push(path);
    } catch {
      // absent
    }
  }
  return out;
}

/** Package names a file loads at run time (type-only imports are erased by tsc). */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement = /(?:^|[\n;])\s*(import|export)\s+(type\s+)?([^;'"]*?\s+from\s+)?['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(statement)) {
    if (m[2]) continue;
    if (m[1] === 'export' && !m[3]) continue;
    specifiers.push(m[4]!);
  }
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(m[1]!);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('#') && !s.startsWith('node:'))
    .filter((s) => !s.includes(':')) // WIT interface names in generated bindings
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!))
    .filter((name) => !builtinModules.includes(name));
}

t.test('the import scanner reads the forms the sources use', async (t) => {
  t.same(
    runtimeImports(
      [
        "import a from 'alpha';",
        "import { b, type C } from '@scope/beta/sub';",
        "import type { D } from 'delta';",
        "export { e } from 'epsilon';",
        "export type { F } from 'phi';",
        "import 'side-effect';",
        "const g = await import('gamma');",
        "import {\n  h,\n  i,\n} from 'eta';",
        "import { readFile } from 'node:fs';",
        "import x from './local.js';",
        "import fs from 'fs';",
      ].join('\n'),
    ),
    ['alpha', '@scope/beta', 'epsilon', 'side-effect', 'eta', 'gamma'],
  );
});

t.test('every package the images run declares what it imports', async (t) => {
  const closure = productionClosure(ROOTS);
  t.ok(closure.includes('@annex/migrations'), 'the migrations are part of the images');
  const missing: string[] = [];
  for (const name of closure) {
    const { dir, manifest } = packages.get(name)!;
    const declared = new Set([
      name,
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ]);
    for (const file of sourceFiles(dir)) {
      for (const imported of new Set(runtimeImports(readFileSync(file, 'utf8')))) {
        if (!declared.has(imported)) {
          missing.push(
            `${file.slice(REPO.length)} imports ${imported}, which ${dir}/package.json does not declare`,
          );
        }
      }
    }
  }
  t.same(missing, [], 'add each to the "dependencies" of its package');
});

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError, EXIT, type Output } from '../output.js';

const TEMPLATE = fileURLToPath(new URL('../../templates/js', import.meta.url));
const NAME_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const PUBLISHER_RE = /^[a-z0-9][a-z0-9-]{0,38}$/;

function files(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path, base) : [relative(base, path)];
  });
}

/** A valid extension name from a folder name: lowercase, dashes for anything else. */
export function nameFromDir(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return NAME_RE.test(name) ? name : 'my-extension';
}

/** `annex init <dir>`: scaffolds a working JS extension with an API endpoint and an iframe UI. */
export function registerInit(program: Command, output: () => Output): void {
  program
    .command('init <dir>')
    .description('scaffold a new JS extension (API endpoints, kv, config, iframe UI)')
    .option('--name <name>', 'extension name (default: from the folder name)')
    .option('--publisher <publisher>', 'publisher name', 'my-org')
    .option('--force', 'write into a folder that is not empty')
    .action((dir: string, opts: { name?: string; publisher: string; force?: boolean }) => {
      const target = resolve(dir);
      const name = opts.name ?? nameFromDir(target);
      if (!NAME_RE.test(name)) throw new CliError(`--name must match ${NAME_RE.source}`, EXIT.usage, 'USAGE');
      if (!PUBLISHER_RE.test(opts.publisher)) {
        throw new CliError(`--publisher must match ${PUBLISHER_RE.source}`, EXIT.usage, 'USAGE');
      }
      if (existsSync(target) && readdirSync(target).length > 0 && !opts.force) {
        throw new CliError(
          `${target} is not empty; choose another folder or pass --force`,
          EXIT.usage,
          'USAGE',
        );
      }
      const displayName = name
        .split('-')
        .filter(Boolean)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join(' ');
      const written: string[] = [];
      for (const file of files(TEMPLATE)) {
        const text = readFileSync(join(TEMPLATE, file), 'utf8')
          .replaceAll('{{name}}', name)
          .replaceAll('{{publisher}}', opts.publisher)
          .replaceAll('{{displayName}}', displayName);
        const out = join(target, file === 'gitignore' ? '.gitignore' : file);
        mkdirSync(resolve(out, '..'), { recursive: true });
        writeFileSync(out, text);
        written.push(relative(target, out));
      }
      output().result(
        { dir: target, name, publisher: opts.publisher, files: written.sort() },
        [
          `created ${opts.publisher}.${name} in ${target}`,
          '',
          'next:',
          `  cd ${dir}`,
          '  annex build && annex pack && annex verify',
        ].join('\n'),
      );
    });
}

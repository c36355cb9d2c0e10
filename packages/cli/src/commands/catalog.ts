import type { Command } from 'commander';
import type { Output } from '../output.js';
import {
  connect,
  explainApiError,
  withConnectionOptions,
  type ConnectionOptions,
} from '../registry-connection.js';

const table = (rows: string[][]): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

/** Catalog verbs: `ls`, `info`, `versions`, `deprecate`, `yank`. */
export function registerCatalogVerbs(program: Command, output: () => Output): void {
  withConnectionOptions(program.command('ls'))
    .description('list extensions')
    .option('-q, --query <text>', 'search names, descriptions and publishers')
    .option('--publisher <name>', 'only this publisher')
    .option('--limit <n>', 'page size (1-100)', (v) => Number.parseInt(v, 10))
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(
      async (
        opts: ConnectionOptions & { query?: string; publisher?: string; limit?: number; cursor?: string },
      ) => {
        const page = await connect(opts)
          .extensions.list({
            q: opts.query,
            publisher: opts.publisher,
            limit: opts.limit,
            cursor: opts.cursor,
          })
          .catch(explainApiError);
        const rows = [
          ['EXTENSION', 'LATEST', 'DESCRIPTION'],
          ...page.items.map((e) => [
            e.slug,
            e.latestVersion ?? '-',
            `${e.deprecation ? '[deprecated] ' : ''}${e.description ?? ''}`,
          ]),
        ];
        output().result(
          page,
          page.items.length === 0
            ? 'no extensions'
            : `${table(rows)}${page.nextCursor ? `\nmore: --cursor ${page.nextCursor}` : ''}`,
        );
      },
    );

  withConnectionOptions(program.command('info <extension>'))
    .description('show an extension and its latest version')
    .action(async (ext: string, opts: ConnectionOptions) => {
      const client = connect(opts);
      const extension = await client.extensions.get(ext).catch(explainApiError);
      const latest = extension.latestVersion
        ? await client.extensions.version(ext, 'latest').catch(explainApiError)
        : null;
      const lines = [
        `${extension.slug} (${extension.id})`,
        extension.displayName ? `  ${extension.displayName}` : '',
        extension.description ? `  ${extension.description}` : '',
        `  latest: ${extension.latestVersion ?? 'none'}`,
        extension.deprecation
          ? `  DEPRECATED: ${extension.deprecation.reason}${extension.deprecation.replacement ? ` (use ${extension.deprecation.replacement})` : ''}`
          : '',
        latest ? `  capabilities: ${latest.manifest.capabilities.join(', ') || 'none'}` : '',
        latest ? `  egress: ${latest.manifest.egress.join(', ') || 'none'}` : '',
        latest ? `  content hash: ${latest.contentHash} (${latest.signature.status})` : '',
      ].filter(Boolean);
      output().result({ extension, latest }, lines.join('\n'));
    });

  withConnectionOptions(program.command('versions <extension>'))
    .description('list versions, highest first')
    .action(async (ext: string, opts: ConnectionOptions) => {
      const { items } = await connect(opts).extensions.versions(ext).catch(explainApiError);
      const rows = [
        ['VERSION', 'SIGNATURE', 'CONTENT HASH', 'PUBLISHED'],
        ...items.map((v) => [
          `${v.version}${v.yanked ? ' (yanked)' : ''}`,
          v.signature.status,
          v.contentHash,
          v.createdAt,
        ]),
      ];
      output().result({ items }, items.length === 0 ? 'no versions' : table(rows));
    });

  withConnectionOptions(program.command('deprecate <extension>'))
    .description('deprecate an extension (or withdraw it with --undo)')
    .option('--reason <text>', 'why (required unless --undo)')
    .option('--replacement <extension>', 'the extension to use instead')
    .option('--undo', 'withdraw the deprecation')
    .action(
      async (
        ext: string,
        opts: ConnectionOptions & { reason?: string; replacement?: string; undo?: boolean },
      ) => {
        const client = connect(opts);
        const result = opts.undo
          ? await client.extensions.undeprecate(ext).catch(explainApiError)
          : await client.extensions
              .deprecate(ext, {
                reason: opts.reason ?? '',
                ...(opts.replacement ? { replacement: opts.replacement } : {}),
              })
              .catch(explainApiError);
        output().result(
          result,
          opts.undo ? `${result.slug} is no longer deprecated` : `${result.slug} is deprecated`,
        );
      },
    );

  withConnectionOptions(program.command('yank <extension> <version>'))
    .description('yank a version: installs keep running, new installs refuse it (--undo restores it)')
    .option('--reason <text>', 'why')
    .option('--undo', 'restore the version')
    .action(
      async (ext: string, version: string, opts: ConnectionOptions & { reason?: string; undo?: boolean }) => {
        const client = connect(opts);
        const result = opts.undo
          ? await client.extensions.unyank(ext, version).catch(explainApiError)
          : await client.extensions.yank(ext, version, opts.reason ?? 'yanked').catch(explainApiError);
        output().result(result, `${ext}@${result.version} ${opts.undo ? 'restored' : 'yanked'}`);
      },
    );
}

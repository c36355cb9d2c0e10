import type { Command } from 'commander';
import type { Role } from '@annex/client';
import { CliError, EXIT, type Output } from '../output.js';
import {
  connect,
  explainApiError,
  withConnectionOptions,
  type ConnectionOptions,
} from '../registry-connection.js';

const ROLES = ['admin', 'publisher', 'tenant', 'gateway'];

/** `annex keys create|ls|revoke`: API keys (admin key required). */
export function registerKeys(program: Command, output: () => Output): void {
  const keys = program.command('keys').description('manage API keys (needs an admin key)');

  withConnectionOptions(keys.command('create'))
    .description('create an API key; it is shown once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--publisher <name...>', 'publisher names a publisher key may use')
    .option('--tenant <id>', 'the tenant a tenant key acts for')
    .option('--name <name>', 'a label')
    .action(
      async (
        opts: ConnectionOptions & { role: string; publisher?: string[]; tenant?: string; name?: string },
      ) => {
        if (!ROLES.includes(opts.role))
          throw new CliError(`--role must be one of ${ROLES.join(', ')}`, EXIT.usage, 'USAGE');
        const created = await connect(opts)
          .apiKeys.create({
            role: opts.role as Role,
            ...(opts.publisher ? { publishers: opts.publisher } : {}),
            ...(opts.tenant ? { tenantId: opts.tenant } : {}),
            ...(opts.name ? { name: opts.name } : {}),
          })
          .catch(explainApiError);
        output().result(
          created,
          `${created.key}\n(${created.role} key ${created.id}; shown only now: store it safely)`,
        );
      },
    );

  withConnectionOptions(keys.command('ls'))
    .description('list API keys (never the keys themselves)')
    .action(async (opts: ConnectionOptions) => {
      const { items } = await connect(opts).apiKeys.list().catch(explainApiError);
      const lines = items.map(
        (k) =>
          `${k.id}  ${k.role.padEnd(9)} ${k.publishers?.join(',') ?? k.tenantId ?? ''}  ${k.name ?? ''}${k.revokedAt ? '  (revoked)' : ''}`,
      );
      output().result({ items }, lines.join('\n') || 'no keys');
    });

  withConnectionOptions(keys.command('revoke <id>'))
    .description('revoke an API key')
    .action(async (id: string, opts: ConnectionOptions) => {
      await connect(opts).apiKeys.revoke(id).catch(explainApiError);
      output().result({ id, revoked: true }, `revoked ${id}`);
    });
}

import type { Command } from 'commander';
import { CliError, EXIT } from './output.js';
import { connect, withConnectionOptions, type ConnectionOptions } from './registry-connection.js';

export interface TenantOptions extends ConnectionOptions {
  tenant?: string;
}

/** `--registry`, `--key` and `--tenant` (default ANNEX_TENANT_ID) on every tenant verb. */
export function withTenantOptions(command: Command): Command {
  return withConnectionOptions(command).option(
    '--tenant <id>',
    'the tenant to act for (default: ANNEX_TENANT_ID)',
  );
}

/** The registry client bound to the tenant of `--tenant` or ANNEX_TENANT_ID. */
export function connectTenant(options: TenantOptions) {
  const tenantId = options.tenant ?? process.env.ANNEX_TENANT_ID;
  if (!tenantId) {
    throw new CliError('which tenant? pass --tenant <id> or set ANNEX_TENANT_ID', EXIT.usage, 'USAGE');
  }
  return { tenantId, api: connect(options).tenant(tenantId) };
}

/** `--grant a,b --grant c` → [a, b, c]; `--grant ""` grants nothing. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

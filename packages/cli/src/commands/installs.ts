import { readFileSync } from 'node:fs';
import { AnnexApiError, type Install } from '@annex/client';
import type { Command } from 'commander';
import { CliError, EXIT, type Output } from '../output.js';
import { explainApiError } from '../registry-connection.js';
import { collectList, connectTenant, withTenantOptions, type TenantOptions } from '../tenant-connection.js';

interface GrantOptions extends TenantOptions {
  grant?: string[];
  egress?: string[];
  config?: string;
  configFile?: string;
}

function parseConfig(opts: GrantOptions): Record<string, unknown> | undefined {
  if (opts.config === undefined && opts.configFile === undefined) return undefined;
  const text = opts.configFile !== undefined ? readFileSync(opts.configFile, 'utf8') : opts.config!;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError('the config is not JSON', EXIT.usage, 'USAGE');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError('the config must be a JSON object', EXIT.usage, 'USAGE');
  }
  return value as Record<string, unknown>;
}

function grantsOf(opts: GrantOptions) {
  const config = parseConfig(opts);
  return {
    ...(opts.grant ? { grantedCaps: opts.grant } : {}),
    ...(opts.egress ? { egress: opts.egress } : {}),
    ...(config ? { config } : {}),
  };
}

function withGrantOptions(command: Command): Command {
  return command
    .option('--grant <caps>', 'capabilities to grant, comma-separated or repeated ("" for none)', collectList)
    .option(
      '--egress <hosts>',
      'egress hosts to grant, comma-separated or repeated ("" for none)',
      collectList,
    )
    .option('--config <json>', 'the install configuration, a JSON object')
    .option('--config-file <file>', 'the install configuration from a JSON file');
}

/** How an install reads in the terminal. */
export function describeInstall(install: Install): string {
  return [
    `${install.extension.slug}@${install.version} for ${install.tenantId}: ${install.status}`,
    `  capabilities: ${install.grantedCaps.join(', ') || 'none'}`,
    `  egress: ${install.egress.join(', ') || 'none'}`,
    install.missingSecrets.length > 0 ? `  missing secrets: ${install.missingSecrets.join(', ')}` : '',
    install.pendingUpdate
      ? `  update to ${install.pendingUpdate.version} waits for approval (annex update ${install.extension.slug} ${install.pendingUpdate.version} --approve)`
      : '',
    install.uiUrl ? `  ui: ${install.uiUrl}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function splitRef(ref: string): { extension: string; version?: string } {
  const at = ref.indexOf('@');
  return at === -1 ? { extension: ref } : { extension: ref.slice(0, at), version: ref.slice(at + 1) };
}

/** `annex install|installs|uninstall|enable|disable|update|config`: a tenant's installs. */
export function registerInstallVerbs(program: Command, output: () => Output): void {
  withGrantOptions(withTenantOptions(program.command('install <extension>')))
    .description('install an extension for a tenant (<extension>[@version|range]; default the latest)')
    .option('--version <version>', 'exact version, `latest` or a SemVer range')
    .action(async (ref: string, opts: GrantOptions & { version?: string }) => {
      const out = output();
      const { api } = connectTenant(opts);
      const parsed = splitRef(ref);
      const version = opts.version ?? parsed.version;
      const install = await api.installs
        .create({ extension: parsed.extension, ...(version ? { version } : {}), ...grantsOf(opts) })
        .catch(explainApiError);
      if (install.warning) out.info(`warning: ${install.warning}`);
      out.result(install, `installed ${describeInstall(install)}`);
    });

  withTenantOptions(program.command('installs'))
    .description("list a tenant's installs")
    .action(async (opts: TenantOptions) => {
      const { api, tenantId } = connectTenant(opts);
      const { items } = await api.installs.list().catch(explainApiError);
      const lines = items.map(
        (i) =>
          `${i.extension.slug.padEnd(32)} ${i.version.padEnd(12)} ${i.status}${i.pendingUpdate ? `  (update to ${i.pendingUpdate.version} pending)` : ''}`,
      );
      output().result({ items }, lines.join('\n') || `no installs for ${tenantId}`);
    });

  withTenantOptions(program.command('uninstall <extension>'))
    .description('uninstall: its KV data and secrets are removed')
    .action(async (ext: string, opts: TenantOptions) => {
      const { api, tenantId } = connectTenant(opts);
      await api.installs.uninstall(ext).catch(explainApiError);
      output().result({ extension: ext, tenantId, uninstalled: true }, `uninstalled ${ext} for ${tenantId}`);
    });

  for (const verb of ['enable', 'disable'] as const) {
    withTenantOptions(program.command(`${verb} <extension>`))
      .description(
        verb === 'enable' ? 'enable an install' : 'disable an install: its calls answer 404 until enabled',
      )
      .action(async (ext: string, opts: TenantOptions) => {
        const { api } = connectTenant(opts);
        const install = await api.installs[verb](ext).catch(explainApiError);
        output().result(install, describeInstall(install));
      });
  }

  withGrantOptions(withTenantOptions(program.command('update <extension> <version>')))
    .description('upgrade or roll back an install (<version>: exact, `latest` or a range)')
    .option(
      '--approve',
      'grant the capabilities and egress hosts the target asks for beyond the current grants',
    )
    .action(async (ext: string, version: string, opts: GrantOptions & { approve?: boolean }) => {
      const out = output();
      const { api } = connectTenant(opts);
      const install = await api.installs
        .update(ext, { version, ...(opts.approve ? { approve: true } : {}), ...grantsOf(opts) })
        .catch((err: unknown) => {
          if (err instanceof AnnexApiError && err.code === 'APPROVAL_REQUIRED') {
            const details = err.details as { version?: string; capabilities?: string[]; egress?: string[] };
            const asks = [
              details.capabilities?.length ? `capabilities ${details.capabilities.join(', ')}` : '',
              details.egress?.length ? `egress ${details.egress.join(', ')}` : '',
            ].filter(Boolean);
            throw new CliError(
              `${ext}@${details.version ?? version} asks for more than the install holds: ${asks.join('; ')}. Run again with --approve to grant it.`,
              EXIT.failed,
              'APPROVAL_REQUIRED',
            );
          }
          return explainApiError(err);
        });
      if (install.warning) out.info(`warning: ${install.warning}`);
      out.result(install, `updated ${describeInstall(install)}`);
    });

  // `annex config check` (config-check.ts) is a subcommand of this one; a slug never reads `check`.
  withGrantOptions(withTenantOptions(program.command('config [extension]')))
    .description(
      'show or change an install’s configuration and grants (`annex config check`: service settings)',
    )
    .option(
      '--set <key=value>',
      'set a top-level key (value parsed as JSON when it is JSON)',
      (v, p: string[] = []) => [...p, v],
    )
    .option('--unset <key>', 'remove a top-level key', (v, p: string[] = []) => [...p, v])
    .action(async (ext: string | undefined, opts: GrantOptions & { set?: string[]; unset?: string[] }) => {
      if (!ext)
        throw new CliError(
          'which extension? annex config <extension> [--set key=value …]',
          EXIT.usage,
          'USAGE',
        );
      const { api } = connectTenant(opts);
      const changes = grantsOf(opts);
      if (opts.set || opts.unset) {
        const current = changes.config ?? (await api.installs.get(ext).catch(explainApiError)).config;
        const next: Record<string, unknown> = { ...current };
        for (const pair of opts.set ?? []) {
          const eq = pair.indexOf('=');
          if (eq <= 0)
            throw new CliError(`--set takes key=value, got ${JSON.stringify(pair)}`, EXIT.usage, 'USAGE');
          const raw = pair.slice(eq + 1);
          let value: unknown = raw;
          try {
            value = JSON.parse(raw);
          } catch {
            // a plain string
          }
          next[pair.slice(0, eq)] = value;
        }
        for (const key of opts.unset ?? []) delete next[key];
        changes.config = next;
      }
      const install =
        Object.keys(changes).length === 0
          ? await api.installs.get(ext).catch(explainApiError)
          : await api.installs.patch(ext, changes).catch(explainApiError);
      output().result(install, `${describeInstall(install)}\n  config: ${JSON.stringify(install.config)}`);
    });
}

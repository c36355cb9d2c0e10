import type { Command } from 'commander';
import { loadConfigModule, loadDb } from '../lazy-modules.js';
import { CliError, EXIT, type Output } from '../output.js';
import { explainApiError } from '../registry-connection.js';
import { connectTenant, withTenantOptions, type TenantOptions } from '../tenant-connection.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is how `echo` and editors end a line, not part of the value.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

interface SetOptions extends TenantOptions {
  value?: string;
  fromEnv?: string | boolean;
  stdin?: boolean;
}

/** The values to set, from exactly one source; never printed. */
async function valuesFor(names: string[], opts: SetOptions): Promise<Record<string, string>> {
  const sources = [opts.value !== undefined, opts.fromEnv !== undefined, opts.stdin === true].filter(Boolean);
  if (sources.length > 1)
    throw new CliError('give the value one way: --value, --from-env or --stdin', EXIT.usage, 'USAGE');
  const one = () => {
    if (names.length !== 1) {
      throw new CliError(
        '--value and --stdin set one secret; use --from-env for several',
        EXIT.usage,
        'USAGE',
      );
    }
    return names[0]!;
  };
  if (opts.value !== undefined) return { [one()]: opts.value };
  if (opts.fromEnv !== undefined) {
    const values: Record<string, string> = {};
    for (const name of names) {
      const variable = typeof opts.fromEnv === 'string' && names.length === 1 ? opts.fromEnv : name;
      const value = process.env[variable];
      if (value === undefined)
        throw new CliError(`environment variable ${variable} is not set`, EXIT.usage, 'USAGE');
      values[name] = value;
    }
    return values;
  }
  if (opts.stdin || !process.stdin.isTTY) return { [one()]: await readStdin() };
  throw new CliError(
    'where is the value? pipe it in (--stdin), or use --from-env [VAR] (--value shows it to other users of this machine)',
    EXIT.usage,
    'USAGE',
  );
}

/** `annex secrets set|ls|rm|rotate-kek`: install secrets; values are read, sent, and never shown. */
export function registerSecretVerbs(program: Command, output: () => Output): void {
  const secrets = program
    .command('secrets')
    .description("an install's secrets (write-only) and key rotation");

  withTenantOptions(secrets.command('set <extension> <name...>'))
    .description('set secrets; the value comes from stdin, the environment or --value, and is never printed')
    .option('--stdin', 'read the value of the one secret from standard input (the default when piped)')
    .option(
      '--from-env [variable]',
      'read each secret from the environment variable of its name (or VARIABLE)',
    )
    .option('--value <value>', 'the value itself (visible in the process list: prefer --stdin or --from-env)')
    .action(async (ext: string, names: string[], opts: SetOptions) => {
      const values = await valuesFor(names, opts);
      const { api } = connectTenant(opts);
      const result = await api.secrets.set(ext, values).catch(explainApiError);
      const set = result.items.filter((i) => names.includes(i.name));
      output().result(
        result,
        [
          ...set.map((i) => `set ${i.name} (version ${i.version}) for ${ext}`),
          ...(result.missing.length > 0 ? [`still missing: ${result.missing.join(', ')}`] : []),
        ].join('\n'),
      );
    });

  withTenantOptions(secrets.command('ls <extension>'))
    .description('secret names, versions and when they were set (never values)')
    .action(async (ext: string, opts: TenantOptions) => {
      const { api } = connectTenant(opts);
      const result = await api.secrets.list(ext).catch(explainApiError);
      const lines = result.items.map((i) => `${i.name.padEnd(32)} v${i.version}  ${i.updatedAt}`);
      if (result.missing.length > 0) lines.push(`missing (required): ${result.missing.join(', ')}`);
      output().result(result, lines.join('\n') || 'no secrets set');
    });

  withTenantOptions(secrets.command('rm <extension> <name>'))
    .description('remove a secret')
    .action(async (ext: string, name: string, opts: TenantOptions) => {
      const { api } = connectTenant(opts);
      await api.secrets.remove(ext, name).catch(explainApiError);
      output().result({ extension: ext, name, removed: true }, `removed ${name} from ${ext}`);
    });

  secrets
    .command('rotate-kek')
    .description(
      're-encrypt every stored secret under the first SECRETS_KEK (on the database directly, with the registry’s environment)',
    )
    .action(async () => {
      const out = output();
      const { ConfigError, loadConfig } = await loadConfigModule();
      let config;
      try {
        config = loadConfig('registry');
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(err.message, EXIT.usage, 'INVALID_CONFIG');
        throw err;
      }
      const { rotateSecretKeks } = await import('@annex/registry');
      out.info(`re-encrypting secrets under key ${config.keks[0]!.id}`);
      const { openDatabase } = await loadDb();
      const database = await openDatabase(config.database, { poolSize: 1 });
      let outcome;
      try {
        outcome = await rotateSecretKeks(database.db, config.keks);
      } finally {
        await database.close();
      }
      out.result(
        outcome,
        [
          `re-encrypted ${outcome.reencrypted} secret(s) under key ${outcome.keyId}; ${outcome.current} in all are under it`,
          ...outcome.failed.map(
            (f) =>
              `  could not re-encrypt ${f.name} of install ${f.installId} (tenant ${f.tenantId}, key ${f.keyId}): ${f.reason}`,
          ),
        ].join('\n'),
      );
      // Set after close: the embedded database resets process.exitCode when it shuts down.
      if (outcome.failed.length > 0) process.exitCode = EXIT.failed;
    });
}

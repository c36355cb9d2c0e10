import type { Fingerprint } from '@annex/config';
import type { Command } from 'commander';
import { loadConfigModule } from '../lazy-modules.js';
import { CliError, EXIT, type Output } from '../output.js';

async function fetchFingerprint(base: string, token: string, service: string): Promise<Fingerprint> {
  let response: Response;
  try {
    response = await fetch(`${base.replace(/\/+$/, '')}/v1/config/fingerprint`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new CliError(`could not reach the ${service} at ${base}: ${(err as Error).message}`);
  }
  if (response.status === 401) {
    throw new CliError(
      `the ${service} refused the token (401); pass the ${service === 'registry' ? 'admin' : 'runner'} token`,
    );
  }
  if (!response.ok) throw new CliError(`the ${service} answered HTTP ${response.status}`);
  return (await response.json()) as Fingerprint;
}

/** `annex config check`: compares the shared-settings fingerprints of a registry and a runner. */
export function registerConfigCheck(program: Command, output: () => Output): void {
  // `annex config <extension>` (installs.ts) may have created the command already.
  const config =
    program.commands.find((c) => c.name() === 'config') ??
    program.command('config').description('configuration tools');
  config
    .command('check')
    .description('check that a registry and a runner share the settings they must agree on')
    .option('--registry <url>', 'registry base URL (or ANNEX_REGISTRY_URL)')
    .requiredOption('--runner <url>', 'runner base URL', process.env.RUNNER_BASE_URL)
    .requiredOption(
      '--admin-token <token>',
      'registry admin key (or ANNEX_ADMIN_TOKEN)',
      process.env.ANNEX_ADMIN_TOKEN,
    )
    .requiredOption('--runner-token <token>', 'runner token (or RUNNER_TOKEN)', process.env.RUNNER_TOKEN)
    .action(
      async (
        opts: { registry?: string; runner: string; adminToken: string; runnerToken: string },
        command: Command,
      ) => {
        const out = output();
        // `annex config <extension>` has a --registry too, and commander gives it what follows `check`.
        const registryUrl =
          opts.registry ??
          (command.parent?.opts().registry as string | undefined) ??
          process.env.ANNEX_REGISTRY_URL;
        if (!registryUrl)
          throw new CliError("required option '--registry <url>' not specified", EXIT.usage, 'USAGE');
        const [registry, runner] = await Promise.all([
          fetchFingerprint(registryUrl, opts.adminToken, 'registry'),
          fetchFingerprint(opts.runner, opts.runnerToken, 'runner'),
        ]);
        const { compareFingerprints } = await loadConfigModule();
        const differing = compareFingerprints(registry, runner);
        out.result(
          {
            match: differing.length === 0,
            differing,
            registry: registry.fingerprint,
            runner: runner.fingerprint,
          },
          differing.length === 0
            ? `registry and runner agree (fingerprint ${registry.fingerprint.slice(0, 12)})`
            : `registry and runner differ in: ${differing.join(', ')}; give both services the same values`,
        );
        if (differing.length > 0) process.exitCode = EXIT.failed;
      },
    );
}

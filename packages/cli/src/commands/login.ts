import type { Command } from 'commander';
import { createClient } from '@annex/client';
import { writeCredentials } from '../credentials.js';
import { CliError, EXIT, type Output } from '../output.js';
import { explainApiError } from '../registry-connection.js';

/** `annex login`: checks the key against the registry, then saves both (mode 0600). */
export function registerLogin(program: Command, output: () => Output): void {
  program
    .command('login')
    .description('save the registry URL and API key for later commands')
    .requiredOption('--registry <url>', 'registry URL, e.g. http://localhost:8080')
    .option('--key <apiKey>', 'API key (default: ANNEX_API_KEY)')
    .action(async (opts: { registry: string; key?: string }) => {
      const apiKey = opts.key ?? process.env.ANNEX_API_KEY;
      if (!apiKey)
        throw new CliError('an API key is required: --key <apiKey> or ANNEX_API_KEY', EXIT.usage, 'USAGE');
      try {
        new URL(opts.registry);
      } catch {
        throw new CliError(`not a URL: ${opts.registry}`, EXIT.usage, 'USAGE');
      }
      await createClient({ baseUrl: opts.registry, apiKey })
        .extensions.list({ limit: 1 })
        .catch(explainApiError);
      const path = writeCredentials({ registry: opts.registry, apiKey });
      output().result(
        { registry: opts.registry, saved: path },
        `logged in to ${opts.registry} (saved in ${path})`,
      );
    });
}

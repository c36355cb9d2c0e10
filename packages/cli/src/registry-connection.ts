import { AnnexApiError, AnnexNetworkError, createClient, type AnnexClient } from '@annex/client';
import type { Command } from 'commander';
import { readCredentials } from './credentials.js';
import { CliError, EXIT } from './output.js';

export interface ConnectionOptions {
  registry?: string;
  key?: string;
}

/** `--registry` and `--key` on every network verb; they override ANNEX_REGISTRY_URL/ANNEX_API_KEY and the login. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option(
      '--registry <url>',
      'registry URL (default: ANNEX_REGISTRY_URL, else the one saved by `annex login`)',
    )
    .option('--key <apiKey>', 'API key (default: ANNEX_API_KEY, else the one saved by `annex login`)');
}

export function connect(options: ConnectionOptions): AnnexClient {
  const saved = readCredentials();
  const baseUrl = options.registry ?? process.env.ANNEX_REGISTRY_URL ?? saved?.registry;
  const apiKey = options.key ?? process.env.ANNEX_API_KEY ?? saved?.apiKey;
  if (!baseUrl || !apiKey) {
    throw new CliError(
      'not logged in: run `annex login --registry <url> --key <apiKey>` (or set ANNEX_REGISTRY_URL and ANNEX_API_KEY)',
      EXIT.usage,
      'NOT_LOGGED_IN',
    );
  }
  return createClient({ baseUrl, apiKey });
}

/** Turns client errors into one-line CLI errors that say what to do next. */
export function explainApiError(err: unknown): never {
  if (err instanceof AnnexNetworkError) {
    throw new CliError(
      `${err.message}; is the registry running and the URL right?`,
      EXIT.failed,
      'UNREACHABLE',
    );
  }
  if (err instanceof AnnexApiError) {
    const hint =
      err.status === 401
        ? ' (check the API key, or run `annex login` again)'
        : err.status === 403
          ? ' (this key lacks the role for it)'
          : err.status === 429 && err.retryAfterSeconds
            ? ` (retry in ${err.retryAfterSeconds} s)`
            : '';
    throw new CliError(`${err.message}${hint}`, EXIT.failed, err.code);
  }
  throw err;
}

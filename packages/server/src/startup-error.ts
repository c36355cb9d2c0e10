import { ConfigError } from '@annex/config';
import { DataDirInUseError, MigrationError } from '@annex/db';

/** What to print when a service cannot start: one clear message, never a stack trace. */
export function describeStartupError(err: unknown): string {
  if (err instanceof ConfigError || err instanceof DataDirInUseError || err instanceof MigrationError) {
    return err.message;
  }
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === 'EADDRINUSE')
    return `port ${e.port ?? ''} is already in use; set another port (see the configuration table)`;
  if (e?.code === 'EACCES' && e.port !== undefined) return `not allowed to listen on port ${e.port}`;
  if (e?.code === 'ECONNREFUSED')
    return `could not connect to the database (${e.address ?? 'connection refused'}); check DATABASE_URL`;
  return `start-up failed: ${e?.message ?? String(err)}`;
}

/** Prints the reason to stderr and exits 1. */
export function failStartup(err: unknown): never {
  process.stderr.write(`annex: ${describeStartupError(err)}\n`);
  process.exit(1);
}

import { migrationsDir } from '@annex/migrations';
import { Migrator, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { SqlFileMigrationProvider } from './sql-file-migrations.js';

export interface MigrationOutcome {
  applied: string[];
}

export class MigrationError extends Error {
  constructor(
    readonly migration: string | undefined,
    cause: unknown,
  ) {
    super(`migration ${migration ?? '(setup)'} failed: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'MigrationError';
  }
}

/**
 * Brings the schema to the latest migration. kysely takes a PostgreSQL advisory lock and runs the
 * pending migrations in one transaction, so instances starting together apply each migration once.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider(migrationsDir) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, error);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Names of the migrations in the folder, in order (for status output). */
export async function listMigrations(): Promise<string[]> {
  return Object.keys(await new SqlFileMigrationProvider(migrationsDir).getMigrations());
}

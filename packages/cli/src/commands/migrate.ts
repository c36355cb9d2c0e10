import type { Command } from 'commander';
import { loadConfigModule, loadDb } from '../lazy-modules.js';
import { CliError, EXIT, type Output } from '../output.js';

/** `annex migrate`: applies pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR. */
export function registerMigrate(program: Command, output: () => Output): void {
  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL, else the embedded database in DATA_DIR)')
    .action(async () => {
      const out = output();
      const { ConfigError, loadDatabaseSettings } = await loadConfigModule();
      let settings;
      try {
        settings = loadDatabaseSettings();
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError(err.message, EXIT.usage, 'INVALID_CONFIG');
        throw err;
      }
      const target = settings.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : settings.dataDir;
      out.info(`migrating ${target}`);
      const { listMigrations, migrateToLatest, openDatabase } = await loadDb();
      const database = await openDatabase(settings, { poolSize: 1 });
      try {
        const { applied } = await migrateToLatest(database.db);
        const all = await listMigrations();
        out.result(
          { database: settings.kind, applied, current: all.at(-1) ?? null },
          applied.length > 0
            ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
            : `already up to date (${all.at(-1) ?? 'no migrations'})`,
        );
      } finally {
        await database.close();
      }
    });
}

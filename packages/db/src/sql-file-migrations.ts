import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Migration, type MigrationProvider } from 'kysely';

const BREAKPOINT = /^--> statement-breakpoint\s*$/m;
const NAME = /^\d{4}_[a-z0-9_]+\.sql$/;

/** Splits a migration file into statements at `--> statement-breakpoint` lines (PGlite runs one per query). */
export function splitStatements(text: string): string[] {
  return text
    .split(BREAKPOINT)
    .map((s) => s.trim())
    .filter((s) => s.replace(/^--.*$/gm, '').trim().length > 0);
}

/** Reads `NNNN_name.sql` files from a folder as kysely migrations, in name order. */
export class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter((f) => NAME.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const statements = splitStatements(await readFile(join(this.dir, file), 'utf8'));
      migrations[file.replace(/\.sql$/, '')] = {
        up: async (db) => {
          for (const statement of statements) await sql.raw(statement).execute(db);
        },
      };
    }
    return migrations;
  }
}

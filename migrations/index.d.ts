/** The folder holding the numbered `.sql` migrations, read by @annex/db's migrator. */
export declare const migrationsDir: string;

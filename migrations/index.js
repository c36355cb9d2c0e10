import { fileURLToPath } from 'node:url';

/** The folder holding the numbered `.sql` migrations, read by @annex/db's migrator. */
export const migrationsDir = fileURLToPath(new URL('.', import.meta.url));

import type { TestDatabase } from './test-database.js';

/**
 * Environment for a service started as a child process in tests: its own data dir, the test's
 * database when it is PostgreSQL (PGlite data dirs belong to one process, so those children get
 * an embedded database of their own), ports picked by the OS, quiet logs.
 */
export function serviceEnv(dataDir: string, database?: TestDatabase): Record<string, string> {
  const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  if (database?.settings.kind === 'postgres') {
    env.DATABASE_URL = database.settings.url;
    env.RUNNER_TOKEN = 'test-runner-token-0123456789';
    env.SECRETS_KEK = `test:${Buffer.alloc(32, 3).toString('base64')}`;
  }
  return env;
}

import { startEmbedded, type EmbeddedPlatform } from '@annex/embedded';
import { createTestDatabase, testDatabaseKind } from './test-database.js';
import { tempDir } from './temp-dir.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

/**
 * Both services in this process, on loopback ports picked by the OS: on an embedded PGlite in a
 * temp data dir, or on a fresh PostgreSQL database in the PostgreSQL pass.
 */
export async function startTestPlatform(
  env: Record<string, string> = {},
): Promise<EmbeddedPlatform & { stop(): Promise<void> }> {
  const dir = tempDir();
  const database = testDatabaseKind() === 'postgres' ? await createTestDatabase() : undefined;
  const platform = await startEmbedded({
    DATA_DIR: dir.path,
    REGISTRY_PORT: '0',
    RUNNER_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    REGISTRY_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...(database?.settings.kind === 'postgres' ? { DATABASE_URL: database.settings.url } : {}),
    ...env,
  });
  return {
    ...platform,
    stop: async () => {
      await platform.close();
      await database?.close();
      dir.remove();
    },
  };
}

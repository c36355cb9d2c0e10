import { loadConfig, type Config } from '@annex/config';
import { json } from '@annex/db';
import { buildRegistryApp, type RegistryAppOptions } from '@annex/registry';
import { createBundleStore } from '@annex/store';
import { createTestDatabase, tempDir, type TestDatabase } from '@annex/test-support';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';

export const ADMIN = 'test-admin-token-0123456789';

export interface Harness {
  app: FastifyInstance;
  database: TestDatabase;
  config: Config;
  call(method: string, url: string, key: string | undefined, body?: unknown): Promise<LightMyRequestResponse>;
  /** Creates an API key through the API and returns the key. */
  key(
    role: 'admin' | 'publisher' | 'tenant' | 'gateway',
    scope?: { publishers?: string[]; tenantId?: string },
  ): Promise<string>;
}

/** The registry in-process over a fresh test database and a temp data dir. */
export async function registryHarness(
  t: Test,
  env: Record<string, string> = {},
  appOptions: Omit<RegistryAppOptions, 'config' | 'resources'> & { database?: TestDatabase } = {},
): Promise<Harness> {
  const dir = tempDir();
  const { database: shared, ...rest } = appOptions;
  const database = shared ?? (await createTestDatabase());
  const config = loadConfig(
    'registry',
    { DATA_DIR: dir.path, REGISTRY_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent', ...env },
    { generateLocalSecrets: true },
  );
  const app = await buildRegistryApp({
    config,
    resources: { database, store: createBundleStore(config.store) },
    ...rest,
  });
  t.teardown(async () => {
    await app.close();
    if (!shared) await database.close();
    dir.remove();
  });
  const call: Harness['call'] = (method, url, key, body) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      ...(body === undefined ? {} : { payload: body as object }),
    });
  return {
    app,
    database,
    config,
    call,
    key: async (role, scope = {}) => {
      const res = await call('POST', '/v1/api-keys', ADMIN, { role, ...scope });
      if (res.statusCode !== 201) throw new Error(`key creation failed: ${res.body}`);
      return (res.json() as { key: string }).key;
    },
  };
}

let bundleCounter = 0;

/**
 * Writes a version straight into the database, as a finalize would, for catalog tests that are
 * not about uploads.
 */
export async function seedVersion(
  database: TestDatabase,
  extensionId: string,
  semver: string,
  manifest: Record<string, unknown> = {},
  options: { yanked?: boolean } = {},
): Promise<string> {
  const hash = `sha256:${(++bundleCounter).toString(16).padStart(64, '0')}`;
  await database.db
    .insertInto('extension_bundle')
    .values({
      content_hash: hash,
      storage_url: `sha256/${hash.slice(7)}/bundle.tar.zst`,
      size: 100,
      runtime: 'wasm-component@1',
      sdk_version: null,
    })
    .execute();
  await database.db
    .insertInto('extension_version')
    .values({
      registry_id: extensionId,
      semver,
      content_hash: hash,
      signature: null,
      signature_status: 'unsigned',
      signer: null,
      sbom_ref: null,
      manifest: json(manifest),
      yanked: options.yanked ?? false,
      yank_reason: null,
    })
    .execute();
  return hash;
}

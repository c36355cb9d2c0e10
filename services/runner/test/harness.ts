// The runner in-process over a fresh test database, a filesystem store and a temp data dir, with
// helpers to publish components as bundles, seed installs and call /v1/execute.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { packBundle, signBundle } from '@annex/bundle';
import { loadConfig, type Config } from '@annex/config';
import {
  buildRunnerApp,
  type CacheStats,
  type PoolStats,
  type RunnerLimitOverrides,
  type UnsafeTestOnlyEgress,
} from '@annex/runner';
import { sealSecrets } from '@annex/secrets';
import { createBundleStore, type BundleStore } from '@annex/store';
import { createTestDatabase, seedInstall, tempDir, type TestDatabase } from '@annex/test-support';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';

export const TOKEN = 'runner-test-token-0123456789';
export const KEK = `testkey:${Buffer.alloc(32, 7).toString('base64')}`;

export interface Install {
  tenantId: string;
  installId: string;
  extensionId: string;
  contentHash: string;
}

export interface Harness {
  app: FastifyInstance;
  config: Config;
  database: TestDatabase;
  store: BundleStore;
  dataDir: string;
  /** Parsed log lines written so far. */
  logs(): Array<Record<string, unknown>>;
  /** Packs a component into a bundle, puts it (and its signature) in the store; returns the hash. */
  publish(component: Uint8Array, options?: PublishOptions): Promise<string>;
  /** Registry rows for an install of `contentHash` (kv rows need them). */
  install(contentHash: string, tenantId?: string): Promise<Install>;
  envelope(install: Install, overrides?: EnvelopeOverrides): Record<string, unknown>;
  execute(body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  stats(): Promise<RunnerStats>;
  /** Closes the app and, unless `keep`, releases the database and data dir it owns. */
  close(keep?: boolean): Promise<void>;
}

export interface RunnerStats {
  bundles: CacheStats['bundles'] & { entries: number; bytes: number; inUse: number; maxBytes: number };
  modules: CacheStats['modules'];
  pool: PoolStats;
}

export interface PublishOptions {
  /** Adds a file so the same component gives a different hash. */
  salt?: string;
  signWith?: string;
  manifest?: Record<string, unknown>;
}

export interface EnvelopeOverrides {
  http?: Record<string, unknown>;
  context?: Record<string, unknown>;
  limits?: Record<string, unknown> | null;
  providers?: string[];
  egress?: string[];
  secrets?: Record<string, string>;
  [key: string]: unknown;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  limits?: RunnerLimitOverrides;
  egress?: UnsafeTestOnlyEgress;
  /** The clock quota windows are counted by. */
  now?: () => number;
  /** Reuse a database and data dir (a second process over the same cache). */
  database?: TestDatabase;
  dataDir?: string;
}

let published = 0;

export async function runnerHarness(t: Test, options: HarnessOptions = {}): Promise<Harness> {
  const dir = options.dataDir ? { path: options.dataDir, remove: () => {} } : tempDir('annex-runner-');
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig(
    'runner',
    {
      DATA_DIR: dir.path,
      LOG_LEVEL: 'info',
      RUNNER_TOKEN: TOKEN,
      SECRETS_KEK: KEK,
      RUNNER_WORKERS: '2',
      ...options.env,
    },
    { generateLocalSecrets: true },
  );
  const store = createBundleStore(config.store);
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const app = await buildRunnerApp({
    config,
    resources: { database, store },
    logStream,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.egress ? { unsafeTestOnlyEgress: options.egress } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  let appClosed = false;
  let released = false;
  // keep = true closes the app but leaves the database and data dir for a second app (a restart);
  // the teardown still releases them.
  const close = async (keep = false) => {
    if (!appClosed) {
      appClosed = true;
      await app.close();
    }
    if (!keep && !released) {
      released = true;
      if (!options.database) await database.close();
      dir.remove();
    }
  };
  t.teardown(() => close());

  const harness: Harness = {
    app,
    config,
    database,
    store,
    dataDir: dir.path,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    async publish(component, publishOptions = {}) {
      const project = join(dir.path, `project-${++published}`);
      await mkdir(join(project, 'dist'), { recursive: true });
      await writeFile(join(project, 'dist', 'main.wasm'), component);
      await writeFile(join(project, 'README.md'), `salt ${publishOptions.salt ?? randomUUID()}\n`);
      await writeFile(
        join(project, 'manifest.json'),
        JSON.stringify({
          name: 'probe',
          publisher: 'acme',
          version: '1.0.0',
          runtime: 'wasm-component@1',
          capabilities: ['cap:context.read', 'cap:log.emit'],
          api: { endpoints: [{ method: 'GET', path: '/x' }] },
          ...publishOptions.manifest,
        }),
      );
      const packed = await packBundle(project);
      await store.putIfAbsent(store.canonicalKey(packed.contentHash, 'bundle'), packed.bytes!);
      if (publishOptions.signWith) {
        const signature = signBundle(packed.contentHash, publishOptions.signWith);
        await store.putIfAbsent(
          store.canonicalKey(packed.contentHash, 'signature'),
          Buffer.from(JSON.stringify(signature)),
        );
      }
      return packed.contentHash;
    },
    async install(contentHash, tenantId = 't1') {
      const { extensionId, installId } = await seedInstall(database.db, contentHash, tenantId);
      return { tenantId, installId, extensionId, contentHash };
    },
    envelope(install, overrides = {}) {
      const { http, context, limits, secrets, ...rest } = overrides;
      return {
        context: {
          request_id: `req-${randomUUID()}`,
          tenant_id: install.tenantId,
          extension_id: install.extensionId,
          install_id: install.installId,
          version_id: randomUUID(),
          version: '1.0.0',
          content_hash: install.contentHash,
          config: {},
          ...context,
        },
        http: { method: 'GET', path: '/', query: {}, headers: {}, body_b64: null, ...http },
        limits: { timeout_ms: 5000, memory_mb: 64, ...limits },
        providers: [],
        egress: [],
        ...(secrets
          ? {
              secret_envelope: sealSecrets(secrets, config.keks, {
                tenantId: install.tenantId,
                installId: install.installId,
              }),
            }
          : {}),
        ...rest,
      };
    },
    execute: (body, headers = {}) =>
      app.inject({
        method: 'POST',
        url: '/v1/execute',
        headers: { authorization: `Bearer ${TOKEN}`, ...headers },
        payload: body as object,
      }),
    async stats() {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/cache/stats',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return res.json();
    },
    close,
  };
  return harness;
}

/** The body of a 200 answer, decoded. */
export function answerBody(res: LightMyRequestResponse): Buffer {
  const answer = res.json() as { body_b64: string | null };
  return Buffer.from(answer.body_b64 ?? '', 'base64');
}

export const b64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64');

// Publishes UI bundles for the ext-ui tests: a component plus a ui/ folder, into the harness's store
// and (optionally) the catalog, so the extension id owns the hash.
import { randomUUID } from 'node:crypto';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packBundle } from '@annex/bundle';
import { withSystem } from '@annex/db';
import { seedExtension, seedVersion } from '@annex/test-support';
import { buildEchoComponent } from './components.js';
import type { Harness } from './harness.js';

export interface UiBundle {
  contentHash: string;
  bytes: Uint8Array;
}

/** Packs `files` (paths below ui/) or a copy of `uiDir` into a bundle; `tamper` stores corrupted bytes. */
export async function packUiBundle(
  h: Harness,
  options: { files?: Record<string, string | Uint8Array>; uiDir?: string; tamper?: boolean; ui?: boolean },
): Promise<UiBundle> {
  const project = join(h.dataDir, `ui-project-${randomUUID()}`);
  await mkdir(join(project, 'dist'), { recursive: true });
  await mkdir(join(project, 'ui'), { recursive: true });
  await writeFile(join(project, 'dist', 'main.wasm'), await buildEchoComponent());
  if (options.uiDir) await cp(options.uiDir, join(project, 'ui'), { recursive: true });
  for (const [path, content] of Object.entries(options.files ?? {})) {
    await mkdir(join(project, 'ui', path, '..'), { recursive: true });
    await writeFile(join(project, 'ui', path), content);
  }
  await writeFile(
    join(project, 'manifest.json'),
    JSON.stringify({
      name: 'uiprobe',
      publisher: 'acme',
      version: '1.0.0',
      runtime: 'wasm-component@1',
      capabilities: [],
      api: { endpoints: [] },
      ...(options.ui === false ? {} : { ui: { type: 'iframe', entry: 'ui/index.html' } }),
    }),
  );
  const packed = await packBundle(project);
  let bytes = packed.bytes!;
  if (options.tamper) {
    bytes = Buffer.from(bytes);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
  }
  await h.store.putIfAbsent(h.store.canonicalKey(packed.contentHash, 'bundle'), bytes);
  return { contentHash: packed.contentHash, bytes };
}

/** Catalog rows: a new extension owning `contentHash`; returns the extension id. */
export async function registerVersion(h: Harness, contentHash: string): Promise<string> {
  const id = await seedExtension(h.database.db, `ui-${randomUUID().slice(0, 8)}`);
  await registerVersionFor(h, id, contentHash);
  return id;
}

/** Publishes `contentHash` as another version (2.0.0 if 1.0.0 exists) of extension `extensionId`. */
export async function registerVersionFor(
  h: Harness,
  extensionId: string,
  contentHash: string,
): Promise<void> {
  const existing = await withSystem(h.database.db, (trx) =>
    trx.selectFrom('extension_version').select('id').where('registry_id', '=', extensionId).execute(),
  );
  await seedVersion(h.database.db, extensionId, contentHash, `${existing.length + 1}.0.0`, {
    name: 'uiprobe',
    publisher: 'acme',
    version: '1.0.0',
  });
}

import { createHash } from 'node:crypto';
import {
  manifestEntry,
  scaffoldManifest,
  tarArchive,
  zstdCompress,
  type RawEntry,
} from '@annex/test-support';

/** A bundle.tar.zst made in the test: a manifest, a stand-in component and a UI page. */
export async function makeBundle(
  manifest: Record<string, unknown> = {},
  extra: RawEntry[] = [],
): Promise<Buffer> {
  const entries: RawEntry[] = [
    { name: 'manifest.json', data: JSON.stringify(scaffoldManifest(manifest)) },
    { name: 'dist/main.wasm', data: Buffer.from([0, 97, 115, 109, 13, 0, 1, 0]) },
    ...extra,
  ];
  return zstdCompress(tarArchive(entries));
}

/** Raw archive entries (hostile ones included), compressed. */
export async function rawBundle(entries: RawEntry[]): Promise<Buffer> {
  return zstdCompress(tarArchive(entries));
}

export { manifestEntry };

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

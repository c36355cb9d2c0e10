/**
 * Builders for test fixtures: project directories, raw tar headers (including the hostile ones
 * node-tar refuses to write) and zstd streams. Nothing binary is committed; every archive a test
 * uses is made here.
 */
import { mkdtemp, mkdir, writeFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const zstd = require('@bokuweb/zstd-wasm') as {
  init(): Promise<void>;
  compress(buf: Uint8Array, level?: number): Uint8Array;
};
const zstdReady = zstd.init();

/** The manifest a scaffold would produce: the minimum that must always validate. */
export function scaffoldManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'hello',
    publisher: 'acme',
    version: '0.1.0',
    runtime: 'wasm-component@1',
    capabilities: ['cap:context.read', 'cap:log.emit'],
    api: { endpoints: [{ method: 'GET', path: '/hello' }] },
    ...overrides,
  };
}

export async function tempDirPath(prefix = 'annex-bundle-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes `files` (relative path → content) into a new temporary directory. */
export async function makeProject(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await tempDirPath('annex-project-');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

export interface RawEntry {
  name: string;
  /** Tar type flag: '0' file, '5' directory, '1' hard link, '2' symlink, '3'/'4' devices, '6' FIFO, 'x' pax... */
  type?: string;
  data?: Uint8Array | string;
  /** Size field; defaults to the data length. */
  size?: number;
  linkname?: string;
  /** Raw bytes for the 100-byte name field (to smuggle NULs). */
  nameBytes?: Uint8Array;
}

/** One 512-byte ustar header with a correct checksum. */
export function tarHeader(entry: RawEntry): Buffer {
  const block = Buffer.alloc(512);
  const nameBytes = entry.nameBytes ?? Buffer.from(entry.name, 'utf8');
  if (nameBytes.length > 100) throw new Error('name too long for a plain header; use pax');
  Buffer.from(nameBytes).copy(block, 0);
  const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : (entry.data ?? Buffer.alloc(0));
  const type = entry.type ?? '0';
  const size = entry.size ?? data.length;
  block.write(type === '5' ? '0000755\0' : '0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write(type, 156, 'latin1');
  if (entry.linkname) block.write(entry.linkname, 157, 'utf8');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return block;
}

/** A pax extended header (type 'x') carrying `records` for the entry after it. */
export function paxHeader(records: Record<string, string>): Buffer {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(rest) + 1;
    while (String(length).length + Buffer.byteLength(rest) !== length) length++;
    body += `${length}${rest}`;
  }
  return tarEntryBytes({ name: 'PaxHeader/x', type: 'x', data: body });
}

/** Header plus data plus block padding. */
export function tarEntryBytes(entry: RawEntry): Buffer {
  const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : Buffer.from(entry.data ?? []);
  const padding = (512 - (data.length % 512)) % 512;
  return Buffer.concat([tarHeader(entry), data, Buffer.alloc(padding)]);
}

export const END_OF_ARCHIVE = Buffer.alloc(1024);

/** A tar archive of `parts` (entries or raw bytes), with the end-of-archive marker. */
export function tarArchive(parts: (RawEntry | Buffer)[]): Buffer {
  return Buffer.concat([
    ...parts.map((part) => (Buffer.isBuffer(part) ? part : tarEntryBytes(part))),
    END_OF_ARCHIVE,
  ]);
}

export async function zstdCompress(data: Uint8Array, level = 3): Promise<Buffer> {
  await zstdReady;
  return Buffer.from(zstd.compress(data, level));
}

/** A valid manifest.json entry, so hostile archives fail on their hostile entry. */
export function manifestEntry(overrides: Record<string, unknown> = {}): RawEntry {
  return { name: 'manifest.json', data: JSON.stringify(scaffoldManifest({ api: undefined, ...overrides })) };
}

/** An async source that counts how many bytes a reader pulled from it. */
export function countingSource(
  bytes: Uint8Array,
  chunkSize = 4096,
): { source: AsyncIterable<Buffer>; consumed: () => number } {
  let consumed = 0;
  return {
    consumed: () => consumed,
    source: (async function* () {
      for (let offset = 0; offset < bytes.length; offset += chunkSize) {
        const chunk = Buffer.from(bytes.subarray(offset, offset + chunkSize));
        consumed += chunk.length;
        yield chunk;
      }
    })(),
  };
}

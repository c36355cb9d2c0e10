/**
 * Transpiled components on disk: `<cache>/modules/<hex>/<transpiler tag>/` holds jco's glue
 * (`component.js`, beside a package.json with `"type":"module"`), the unpatched core modules, and
 * integrity.json: the SHA-256 of every file under an HMAC keyed from RUNNER_TOKEN. The glue is
 * JavaScript the workers import, so a process trusts a folder only after checking that MAC and
 * those hashes; anything else is removed and transpiled again.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TRANSPILER_TAG } from './jco-version.js';
import type { Transpiled } from './transpiler.js';

export const GLUE_FILE = 'component.js';

export interface Artifacts {
  dir: string;
  /** file: URL of the glue, versioned by its hash so a rewritten file is never served from a module map. */
  glueUrl: string;
  /** Core module file names, as the glue asks for them. */
  coreModules: string[];
  imports: string[];
  bytes: number;
}

interface IntegrityRecord {
  v: 1;
  contentHash: string;
  tag: string;
  imports: string[];
  files: Record<string, string>;
  mac: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export class ModuleArtifacts {
  private readonly macKey: Buffer;

  constructor(
    private readonly cacheDir: string,
    secret: string,
  ) {
    this.macKey = Buffer.from(
      hkdfSync('sha256', secret, Buffer.alloc(0), 'annex-runner-module-cache-v1', 32),
    );
  }

  hashDir(hex: string): string {
    return join(this.cacheDir, 'modules', hex);
  }

  private dir(hex: string): string {
    return join(this.hashDir(hex), TRANSPILER_TAG);
  }

  private mac(record: Omit<IntegrityRecord, 'mac'>): string {
    return createHmac('sha256', this.macKey).update(JSON.stringify(record)).digest('hex');
  }

  /** Verified artifacts of a hash, or undefined when absent or not trustworthy (then removed). */
  async read(contentHash: string): Promise<Artifacts | undefined> {
    const hex = contentHash.slice(7);
    const dir = this.dir(hex);
    let record: IntegrityRecord;
    try {
      record = JSON.parse(await readFile(join(dir, 'integrity.json'), 'utf8')) as IntegrityRecord;
    } catch {
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
    const { mac, ...signed } = record;
    const expected = Buffer.from(this.mac(signed), 'hex');
    const given = Buffer.from(String(mac), 'hex');
    let ok = given.length === expected.length && timingSafeEqual(given, expected);
    ok &&= record.contentHash === contentHash && record.tag === TRANSPILER_TAG;
    let bytes = 0;
    for (const [name, digest] of Object.entries(ok ? record.files : {})) {
      const data = await readFile(join(dir, name)).catch(() => undefined);
      if (!data || sha256(data) !== digest) {
        ok = false;
        break;
      }
      bytes += data.length;
    }
    if (!ok) {
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
    return this.describe(dir, record.files, record.imports, bytes);
  }

  /** Writes jco's output for a hash (atomically: a temp folder renamed into place). */
  async write(contentHash: string, transpiled: Transpiled): Promise<Artifacts> {
    const hex = contentHash.slice(7);
    const dir = this.dir(hex);
    const staging = join(this.cacheDir, 'tmp', `modules-${hex}-${randomBytes(6).toString('hex')}`);
    await mkdir(staging, { recursive: true });
    const files: Record<string, string> = {};
    let bytes = 0;
    const kept = Object.entries(transpiled.files).filter(
      ([name]) => name === GLUE_FILE || name.endsWith('.wasm'),
    );
    for (const [name, data] of kept) {
      if (name.includes('/') || name.startsWith('.')) throw new Error(`unexpected transpiler output ${name}`);
      await writeFile(join(staging, name), data);
      files[name] = sha256(data);
      bytes += data.length;
    }
    const packageJson = Buffer.from('{"type":"module"}\n');
    await writeFile(join(staging, 'package.json'), packageJson);
    files['package.json'] = sha256(packageJson);
    const signed = { v: 1 as const, contentHash, tag: TRANSPILER_TAG, imports: transpiled.imports, files };
    await writeFile(join(staging, 'integrity.json'), JSON.stringify({ ...signed, mac: this.mac(signed) }));
    await mkdir(this.hashDir(hex), { recursive: true });
    try {
      await rename(staging, dir);
    } catch {
      // Another process got there first, or a stale folder is in the way: replace it.
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
    }
    return this.describe(dir, files, transpiled.imports, bytes);
  }

  async remove(contentHash: string): Promise<void> {
    await rm(this.hashDir(contentHash.slice(7)), { recursive: true, force: true });
  }

  private describe(dir: string, files: Record<string, string>, imports: string[], bytes: number): Artifacts {
    const glue = pathToFileURL(join(dir, GLUE_FILE));
    glue.search = `?v=${files[GLUE_FILE]?.slice(0, 16) ?? ''}`;
    return {
      dir,
      glueUrl: glue.href,
      coreModules: Object.keys(files).filter((name) => name.endsWith('.wasm')),
      imports,
      bytes,
    };
  }
}

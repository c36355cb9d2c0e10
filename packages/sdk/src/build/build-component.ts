import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { WORLD, witSource as defaultWitSource } from '../wit.js';
import { bundleGuest } from './bundle-guest.js';

/** componentize-js features: the engine's built-in WASI uses. */
export type EngineFeature = 'stdio' | 'random' | 'clocks' | 'http' | 'fetch-event';

export interface BuildComponentOptions {
  /** The extension project: holds manifest.json and the sources. */
  projectDir: string;
  /** The module exporting `handler`, relative to projectDir. Default: src/index.ts, else src/index.js. */
  entry?: string;
  /** Where to write the component, relative to projectDir. Default: the manifest's `entry`, else dist/main.wasm. */
  outFile?: string;
  /** WIT text and world to build against. Default: this SDK's `annex:extension` world. */
  witSource?: string;
  worldName?: string;
  /**
   * Engine features to leave out. Default: `http` and `fetch-event` (outbound HTTP goes through the
   * host's `http` import, never wasi:http) and `stdio` (console output has nowhere to go; use `log`).
   * `clocks` and `random` stay so Date.now() and crypto.getRandomValues() work.
   */
  disableFeatures?: EngineFeature[];
  /** Minify the bundled JavaScript (smaller snapshot, worse stack traces). Default false. */
  minify?: boolean;
  /** esbuild target for the bundle. Default es2022 (the engine is a recent SpiderMonkey). */
  target?: string;
  /** Extra node_modules folders for resolving the guest's imports (the CLI passes its own). */
  nodePaths?: string[];
  /**
   * Skip componentize-js when outFile was built from the same bundle, WIT, features and
   * componentize-js version (recorded in `<outFile>.build.json`). Default false.
   */
  cache?: boolean;
}

export interface BuildComponentResult {
  outFile: string;
  size: number;
  /** `sha256:<hex>` of the component bytes. */
  sha256: string;
  /** True when the component was reused from a previous build (see `cache`). */
  cached: boolean;
  durationMs: number;
  bundleBytes: number;
  /** The host imports the guest's JavaScript uses, as `[interface, function]`. Empty when cached. */
  imports: Array<[string, string]>;
}

export const DEFAULT_DISABLED_FEATURES: readonly EngineFeature[] = ['http', 'fetch-event', 'stdio'];

interface BuildRecord {
  key: string;
  sha256: string;
}

/**
 * Builds a JS/TS extension into a WebAssembly component: bundle the entry with esbuild, then
 * componentize-js (StarlingMonkey, pre-initialised with wizer) against the Annex WIT. The wizer step
 * runs as a synchronous child process, so this blocks the event loop for the tens of seconds it takes:
 * run it from a CLI, a test or a worker, not a server's request path.
 */
export async function buildComponent(options: BuildComponentOptions): Promise<BuildComponentResult> {
  const started = performance.now();
  const projectDir = resolve(options.projectDir);
  const entry = options.entry ?? defaultEntry(projectDir);
  const outFile = resolve(
    projectDir,
    options.outFile ?? (await manifestEntry(projectDir)) ?? 'dist/main.wasm',
  );
  const witText = options.witSource ?? defaultWitSource;
  const worldName = options.worldName ?? WORLD;
  const disableFeatures = [...(options.disableFeatures ?? DEFAULT_DISABLED_FEATURES)].sort();

  const bundle = await bundleGuest({
    projectDir,
    entry,
    minify: options.minify ?? false,
    target: options.target ?? 'es2022',
    ...(options.nodePaths ? { nodePaths: options.nodePaths } : {}),
  });
  if (!bundle.exports.includes('handler')) {
    throw new Error(
      `${entry} must export \`handler\` (for example: export const handler = defineHandler(route({ … })))`,
    );
  }

  // Lazy: componentize-js loads ~20 MB of engine and splicer wasm on import.
  const { componentize, version } = await import('@bytecodealliance/componentize-js');
  const key = sha256(JSON.stringify([bundle.code, witText, worldName, disableFeatures, version]));
  const recordFile = `${outFile}.build.json`;
  if (options.cache) {
    const reused = await reusable(outFile, recordFile, key);
    if (reused)
      return {
        ...reused,
        outFile,
        cached: true,
        durationMs: elapsed(started),
        bundleBytes: bundle.code.length,
        imports: [],
      };
  }

  const workDir = await mkdtemp(join(tmpdir(), 'annex-build-'));
  let component: Uint8Array;
  let imports: Array<[string, string]>;
  try {
    const sourcePath = join(workDir, 'guest.js');
    await writeFile(sourcePath, bundle.code);
    // The WIT goes in as text: given a path, componentize-js reads it through preview2-shim,
    // which has no filesystem preopens in 0.26 ("os error 44").
    // (`witWorld` is missing from componentize-js's type declarations, hence the spread.)
    const out = await componentize({
      sourcePath,
      worldName,
      disableFeatures,
      ...({ witWorld: witText } as object),
    });
    component = out.component;
    imports = out.imports as unknown as Array<[string, string]>;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }

  const digest = sha256(component);
  await writeAtomically(outFile, component);
  await writeAtomically(recordFile, JSON.stringify({ key, sha256: digest } satisfies BuildRecord) + '\n');
  return {
    outFile,
    size: component.length,
    sha256: `sha256:${digest}`,
    cached: false,
    durationMs: elapsed(started),
    bundleBytes: bundle.code.length,
    imports,
  };
}

function defaultEntry(projectDir: string): string {
  for (const candidate of ['src/index.ts', 'src/index.js', 'src/index.mjs']) {
    if (existsSync(join(projectDir, candidate))) return candidate;
  }
  throw new Error(
    `No entry given and none of src/index.ts, src/index.js, src/index.mjs exists in ${projectDir}`,
  );
}

async function manifestEntry(projectDir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(projectDir, 'manifest.json'), 'utf8');
  } catch {
    return undefined;
  }
  let entry: unknown;
  try {
    entry = (JSON.parse(text) as { entry?: unknown }).entry;
  } catch (err) {
    throw new Error(`manifest.json is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (entry === undefined) return undefined;
  if (
    typeof entry !== 'string' ||
    isAbsolute(entry) ||
    relative(projectDir, resolve(projectDir, entry)).startsWith('..')
  ) {
    throw new Error(`manifest.json: entry must be a path inside the project, got ${JSON.stringify(entry)}`);
  }
  return entry;
}

async function reusable(
  outFile: string,
  recordFile: string,
  key: string,
): Promise<{ size: number; sha256: string } | undefined> {
  try {
    const record = JSON.parse(await readFile(recordFile, 'utf8')) as BuildRecord;
    if (record.key !== key) return undefined;
    const bytes = await readFile(outFile);
    // The component itself must still be the one recorded, not a file edited or half-written since.
    if (sha256(bytes) !== record.sha256) return undefined;
    return { size: bytes.length, sha256: `sha256:${record.sha256}` };
  } catch {
    return undefined;
  }
}

/** Concurrent builds of the same project (parallel test files) must never see a torn file. */
async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, data);
  await rename(temp, file);
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

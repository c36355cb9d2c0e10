/**
 * Reproducible zstd compression. The content hash is the SHA-256 of the compressed bytes, so the
 * bytes must not depend on the machine or the Node version that packed them: one pinned wasm build
 * of libzstd (@bokuweb/zstd-wasm, exact version in package.json) compresses everywhere, at a fixed
 * level, in fixed-size chunks. Each chunk becomes one independent frame (concatenated frames are a
 * valid zstd stream for every decoder), which also bounds memory for large bundles: the wasm API is
 * one-shot, so a whole 200 MiB tar is never held at once.
 */
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';

/** Level 3 (zstd's default): ~130 MiB/s here, ratio within 8% of level 6 which is 4x slower. */
export const ZSTD_LEVEL = 3;
/** Tar bytes per frame; above the level-3 window (2 MiB), so the ratio loss is under 0.3%. */
export const ZSTD_FRAME_BYTES = 4 * 1024 * 1024;

interface ZstdWasm {
  init(): Promise<void>;
  compress(buf: Uint8Array, level?: number): Uint8Array;
}

// The package's ESM build uses require/__dirname and cannot load; its CommonJS build works in every
// Node version we support.
const require = createRequire(import.meta.url);
let ready: Promise<ZstdWasm> | undefined;

function loadZstd(): Promise<ZstdWasm> {
  ready ??= (async () => {
    const zstd = privateInstance();
    await zstd.init();
    return zstd;
  })();
  return ready;
}

/**
 * The package keeps one module-level wasm instance, and a second `init()` (from any other code in
 * the process that uses it) re-instantiates it underneath a running caller, corrupting output.
 * Loading it with a clean require cache gives this module an instance nobody else can re-init.
 */
function privateInstance(): ZstdWasm {
  const root = dirname(require.resolve('@bokuweb/zstd-wasm')) + sep;
  const ownedByOthers = Object.entries(require.cache).filter(([key]) => key.startsWith(root));
  const forget = () => {
    for (const key of Object.keys(require.cache)) if (key.startsWith(root)) delete require.cache[key];
  };
  forget();
  try {
    return require('@bokuweb/zstd-wasm') as ZstdWasm;
  } finally {
    forget();
    for (const [key, module] of ownedByOthers) require.cache[key] = module;
  }
}

/** Compresses a byte stream into zstd frames of ZSTD_FRAME_BYTES input each. */
export async function* encodeZstd(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const zstd = await loadZstd();
  const frame = Buffer.allocUnsafe(ZSTD_FRAME_BYTES);
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, ZSTD_FRAME_BYTES - filled);
      frame.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === ZSTD_FRAME_BYTES) {
        yield Buffer.from(zstd.compress(frame, ZSTD_LEVEL));
        filled = 0;
      }
    }
  }
  if (filled > 0) yield Buffer.from(zstd.compress(frame.subarray(0, filled), ZSTD_LEVEL));
}

/**
 * Bounded memory of streamed bundle-store writes: streams BENCH_STORE_MIB (default 200) MiB of generated
 * bytes into a staging key with a byte cap, then copies it to its canonical key, sampling the process's
 * RSS every 20 ms. The figure that matters is the peak RSS growth, which must stay far below the object
 * size (about 4 × 5 MiB part buffers on S3, a few stream buffers on the filesystem).
 *
 *   node --import=tsx bench/store-stream.ts                 # filesystem store in a temp dir
 *   STORAGE_S3_BUCKET=bundles STORAGE_S3_ENDPOINT=http://127.0.0.1:9000 STORAGE_S3_ACCESS_KEY=… \
 *   STORAGE_S3_SECRET_KEY=… STORAGE_S3_FORCE_PATH_STYLE=true node --import=tsx bench/store-stream.ts
 *
 * Not a test: timings and RSS depend on the machine. Run it after `tsc -b`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { StoreSettings } from '@annex/config';
import { createBundleStore } from '@annex/store';

const MiB = 1024 * 1024;
const size = Number(process.env.BENCH_STORE_MIB ?? 200) * MiB;

function settings(): { settings: StoreSettings; cleanup: () => void } {
  const env = process.env;
  if (env.STORAGE_S3_BUCKET) {
    return {
      settings: {
        kind: 's3',
        bucket: env.STORAGE_S3_BUCKET,
        region: env.STORAGE_S3_REGION ?? 'us-east-1',
        forcePathStyle: env.STORAGE_S3_FORCE_PATH_STYLE === 'true',
        base: 'sha256/',
        ...(env.STORAGE_S3_ENDPOINT ? { endpoint: env.STORAGE_S3_ENDPOINT } : {}),
        ...(env.STORAGE_S3_ACCESS_KEY
          ? { accessKeyId: env.STORAGE_S3_ACCESS_KEY, secretAccessKey: env.STORAGE_S3_SECRET_KEY ?? '' }
          : {}),
      },
      cleanup: () => {},
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'annex-bench-store-'));
  return {
    settings: { kind: 'filesystem', dir, base: 'sha256/' },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function generated(total: number): Readable {
  const block = randomBytes(256 * 1024);
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < total; sent += block.length)
        yield block.subarray(0, Math.min(block.length, total - sent));
    })(),
  );
}

const { settings: storeSettings, cleanup } = settings();
const store = createBundleStore(storeSettings);
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);

try {
  const key = store.stagingKey(`bench-${Date.now()}`);
  const started = performance.now();
  const digest = await store.put(key, generated(size), { maxBytes: size });
  const putMs = performance.now() - started;
  const copyStarted = performance.now();
  const copy = await store.copyIfAbsent(key, store.canonicalKey(digest.sha256, 'bundle'), {
    sha256: digest.sha256,
  });
  const copyMs = performance.now() - copyStarted;
  await store.deleteStaging(key);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    JSON.stringify(
      {
        store: store.kind,
        objectMiB: size / MiB,
        putMs: Math.round(putMs),
        putMiBPerSecond: Math.round(size / MiB / (putMs / 1000)),
        copyMs: Math.round(copyMs),
        copied: copy.created,
        rssBaselineMiB: Math.round(baseline / MiB),
        rssPeakGrowthMiB: Math.round((peak - baseline) / MiB),
      },
      null,
      2,
    ),
  );
} finally {
  clearInterval(sampler);
  store.close();
  cleanup();
}

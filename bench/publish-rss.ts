/**
 * Registry memory while publishing a 200 MiB bundle through its streaming upload route, then
 * finalizing it (hash, archive rules, manifest, write-once copy), on the embedded default.
 * Measures the registry process's RSS growth (peak minus the level before the upload).
 *
 *   pnpm build && node --import=tsx bench/publish-rss.ts        # BENCH_PUBLISH_MIB=200 by default
 *
 * Writes bench/results/publish-rss.json. Not a test: figures depend on the machine.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packBundle } from '@annex/bundle';
import { startNode, tempDir } from '@annex/test-support';
import { sampleRss } from './rss-sampler.js';

const MiB = 1024 * 1024;
const sizeMiB = Number(process.env.BENCH_PUBLISH_MIB ?? 200);
const root = fileURLToPath(new URL('..', import.meta.url));
const ADMIN = 'bench-admin-token-0123456789';

async function main() {
  const dir = tempDir('annex-bench-');
  try {
    // A project whose component is incompressible, so the bundle is as large as its content.
    const project = join(dir.path, 'project');
    mkdirSync(join(project, 'dist'), { recursive: true });
    writeFileSync(
      join(project, 'manifest.json'),
      JSON.stringify({
        name: 'big',
        publisher: 'bench',
        version: '1.0.0',
        api: { endpoints: [{ method: 'GET', path: '/' }] },
      }),
    );
    const chunks: Buffer[] = [];
    for (let i = 0; i < sizeMiB; i++) chunks.push(randomBytes(MiB));
    writeFileSync(join(project, 'dist', 'main.wasm'), Buffer.concat(chunks));
    chunks.length = 0;
    const bundle = join(dir.path, 'bundle.tar.zst');
    const packed = await packBundle(project, { output: bundle });
    const size = statSync(bundle).size;

    const proc = startNode(join(root, 'services/embedded/dist/main.js'), {
      DATA_DIR: join(dir.path, 'data'),
      REGISTRY_PORT: '0',
      RUNNER_PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      REGISTRY_ADMIN_TOKEN: ADMIN,
      EXT_MAX_BUNDLE_BYTES: String(size + MiB),
    });
    const registry = (await proc.waitForOutput(/registry\s+(http:\/\/\S+)/, 120_000))[1]!;
    const rss = sampleRss(proc.child.pid!);
    const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const init = (await (
      await fetch(`${registry}/v1/uploads`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ size, sha256: packed.contentHash }),
      })
    ).json()) as { uploadId: string; url: string };

    const before = rss.now();
    rss.reset();
    let started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = request(init.url, { method: 'PUT', headers: { 'content-length': String(size) } }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`upload HTTP ${res.statusCode}`)),
        );
      });
      req.on('error', reject);
      createReadStream(bundle).pipe(req);
    });
    const uploadMs = performance.now() - started;
    const uploadPeak = rss.peak();

    rss.reset();
    const beforeFinalize = rss.now();
    started = performance.now();
    const fin = await fetch(`${registry}/v1/uploads/${init.uploadId}/finalize`, {
      method: 'POST',
      headers,
      body: '{}',
    });
    if (fin.status !== 201) throw new Error(`finalize HTTP ${fin.status}: ${await fin.text()}`);
    const finalizeMs = performance.now() - started;
    const finalizePeak = rss.peak();
    rss.stop();
    proc.kill('SIGTERM');
    await proc.exited;

    const result = {
      name: 'publish-rss',
      date: new Date().toISOString(),
      machine: { cores: availableParallelism(), node: process.version },
      bundleBytes: size,
      upload: {
        ms: Math.round(uploadMs),
        mibPerSecond: +(size / MiB / (uploadMs / 1000)).toFixed(1),
        rssBeforeMiB: +(before / MiB).toFixed(1),
        rssGrowthMiB: +((uploadPeak - before) / MiB).toFixed(1),
      },
      finalize: {
        ms: Math.round(finalizeMs),
        mibPerSecond: +(size / MiB / (finalizeMs / 1000)).toFixed(1),
        rssGrowthMiB: +((finalizePeak - beforeFinalize) / MiB).toFixed(1),
        peakRssMiB: +(finalizePeak / MiB).toFixed(1),
      },
    };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/publish-rss.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    dir.remove();
  }
}

await main();

/**
 * Publish against a raw S3 PUT (SPEC section 9): initiate + upload + finalize of 1, 20 and 200 MiB
 * bundles of incompressible bytes against a `PutObjectCommand` of the same bytes to the same store, and
 * the registry's peak RSS growth while it finalizes the 200 MiB bundle.
 *
 * The store is s3rver (in this process, one store for both sides); the registry runs on its own in a
 * child process (embedded PGlite, S3 store, default settings), so its RSS is sampled from /proc. The
 * upload is what `annex publish` does: one presigned PUT up to the multipart threshold (64 MiB), part by
 * part above it, then complete and finalize. A second registry, with the threshold above 200 MiB, takes
 * the 200 MiB bundle through `PUT /v1/uploads/{id}/content` (clients that cannot reach the store):
 * its RSS while streaming shows the body is never buffered.
 *
 *   pnpm exec tsc -b && node --import=tsx bench/publish.ts      (writes bench/results/publish.json)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { packBundle } from '@annex/bundle';
import { createS3Client } from '@annex/store';
import { BUCKET, scaffoldManifest, startS3rver, tempDir } from '@annex/test-support';
import { row, writeResult, type BenchRow } from './lib/report.js';
import { api, createKey, fail, MiB, startService, type ServiceProcess } from './lib/services.js';
import { sampleRss } from './rss-sampler.js';

const SIZES_MIB = [1, 20, 200];
/** Measured runs per size (each a distinct bundle: a finalize never finds its content already stored). */
const RUNS: Record<number, number> = { 1: 5, 20: 3, 200: 1 };
const ms = (since: number) => performance.now() - since;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
type Cleanup = () => Promise<void> | void;

interface Bundle {
  file: string;
  size: number;
  sha256: string;
}

/** A bundle of about `mib` MiB (never more: 200 MiB is the default cap) made of random bytes. */
async function makeBundles(dir: string, mib: number, versions: string[]): Promise<Bundle[]> {
  const project = join(dir, `project-${mib}`);
  mkdirSync(join(project, 'dist'), { recursive: true });
  // Tar headers and zstd's raw-block framing add a few KiB to incompressible content.
  const content = mib * MiB - 64 * 1024;
  const chunks: Buffer[] = [];
  for (let left = content; left > 0; left -= MiB) chunks.push(randomBytes(Math.min(MiB, left)));
  writeFileSync(join(project, 'dist', 'main.wasm'), Buffer.concat(chunks));
  chunks.length = 0;
  const bundles: Bundle[] = [];
  for (const version of versions) {
    writeFileSync(
      join(project, 'manifest.json'),
      JSON.stringify(scaffoldManifest({ name: 'publish', publisher: 'bench', version })),
    );
    const file = join(dir, `bundle-${mib}-${version}.tar.zst`);
    const packed = await packBundle(project, { output: file });
    const size = statSync(file).size;
    if (size > mib * MiB) throw new Error(`the ${mib} MiB bundle came out at ${size} bytes`);
    bundles.push({ file, size, sha256: packed.contentHash });
  }
  return bundles;
}

/** PUT a byte range of a file (streamed) to a URL; answers the status and ETag. */
function putFile(
  url: string,
  file: string,
  range: { start: number; end: number },
  headers: Record<string, string> = {},
): Promise<{ status: number; etag: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'PUT', headers: { ...headers, 'content-length': String(range.end - range.start + 1) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body: body.slice(0, 500) }),
        );
      },
    );
    req.on('error', reject);
    createReadStream(file, range).on('error', reject).pipe(req);
  });
}

type Initiated =
  | { uploadId: string; url: string; headers?: Record<string, string> }
  | { uploadId: string; multipart: { partSize: number; parts: { partNumber: number; url: string }[] } };

interface Phases {
  initiate: number;
  upload: number;
  complete: number;
  finalize: number;
  total: number;
  parts: number;
  /** Registry RSS: level before finalize and peak during it; during the upload when it goes through it. */
  rss?: { beforeFinalize: number; finalizePeak: number; beforeUpload: number; uploadPeak: number };
}

/** Initiate + upload + (complete) + finalize, as `annex publish` does it. */
async function publish(
  registry: ServiceProcess,
  key: string,
  bundle: Bundle,
  options: { throughRegistry?: boolean; sampleRss?: boolean } = {},
): Promise<Phases> {
  const rss = options.sampleRss ? sampleRss(registry.pid) : undefined;
  try {
    const started = performance.now();
    const init = await api<Initiated>(registry.url, key, 'POST', '/v1/uploads', {
      size: bundle.size,
      sha256: bundle.sha256,
    });
    const initiate = ms(started);

    const beforeUpload = rss?.now() ?? 0;
    rss?.reset();
    let t = performance.now();
    let parts = 1;
    let upload: number;
    let complete = 0;
    if ('multipart' in init) {
      const etags: { partNumber: number; etag: string }[] = [];
      for (const part of init.multipart.parts) {
        const start = (part.partNumber - 1) * init.multipart.partSize;
        const end = Math.min(bundle.size, start + init.multipart.partSize) - 1;
        const res = await putFile(part.url, bundle.file, { start, end });
        if (res.status !== 200 || !res.etag)
          throw new Error(`part ${part.partNumber}: HTTP ${res.status} ${res.body}`);
        etags.push({ partNumber: part.partNumber, etag: res.etag });
      }
      parts = etags.length;
      upload = ms(t);
      t = performance.now();
      await api(registry.url, key, 'POST', `/v1/uploads/${init.uploadId}/complete`, { parts: etags });
      complete = ms(t);
    } else {
      const url = options.throughRegistry ? `${registry.url}/v1/uploads/${init.uploadId}/content` : init.url;
      const headers = options.throughRegistry ? { authorization: `Bearer ${key}` } : (init.headers ?? {});
      const res = await putFile(url, bundle.file, { start: 0, end: bundle.size - 1 }, headers);
      if (res.status !== 200) throw new Error(`upload: HTTP ${res.status} ${res.body}`);
      upload = ms(t);
    }
    const uploadPeak = rss?.peak() ?? 0;

    rss?.reset();
    const beforeFinalize = rss?.now() ?? 0;
    t = performance.now();
    await api(registry.url, key, 'POST', `/v1/uploads/${init.uploadId}/finalize`, {});
    const finalize = ms(t);
    const finalizePeak = rss?.peak() ?? 0;
    return {
      initiate,
      upload,
      complete,
      finalize,
      total: ms(started),
      parts,
      ...(rss ? { rss: { beforeFinalize, finalizePeak, beforeUpload, uploadPeak } } : {}),
    };
  } finally {
    rss?.stop();
  }
}

async function main() {
  const started = performance.now();
  const dir = tempDir('annex-bench-publish-');
  const cleanups: Cleanup[] = [() => dir.remove()];
  try {
    const s3 = await startS3rver();
    cleanups.push(() => s3.close());
    const settled = await Promise.allSettled([
      startService('registry', s3.env()),
      // Above the 200 MiB bundle, so it goes in one PUT through the registry rather than in parts.
      startService('registry', { ...s3.env(), EXT_MULTIPART_THRESHOLD_BYTES: String(256 * MiB) }),
    ]);
    for (const s of settled) if (s.status === 'fulfilled') cleanups.push(s.value.stop);
    const [registry, streaming] = settled.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    }) as [ServiceProcess, ServiceProcess];
    const key = await createKey(registry.url, { role: 'publisher', publishers: ['bench'] });
    const streamingKey = await createKey(streaming.url, { role: 'publisher', publishers: ['bench'] });

    const bundles = new Map<number, Bundle[]>();
    for (const mib of SIZES_MIB) {
      const versions = Array.from({ length: RUNS[mib]! }, (_, i) => `${mib}.${i}.0`);
      if (mib === 1) versions.push('0.0.1'); // the warm-up
      if (mib === 200) versions.push('200.9.0'); // through the second registry
      bundles.set(mib, await makeBundles(dir.path, mib, versions));
    }
    process.stdout.write(`bundles packed in ${(ms(started) / 1000).toFixed(0)} s\n`);

    const client = createS3Client(s3.settings(), {
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    cleanups.push(() => client.destroy());
    const rawPut = async (bundle: Bundle) => {
      const t = performance.now();
      await client.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `bench-raw/${randomUUID()}`,
          Body: createReadStream(bundle.file),
          ContentLength: bundle.size,
          ContentType: 'application/zstd',
        }),
      );
      return ms(t);
    };

    // Warm-up (not measured): the first publish and PUT pay for JIT and first connections.
    const warm = bundles.get(1)!.pop()!;
    await publish(registry, key, warm);
    await rawPut(warm);

    const rows: BenchRow[] = [];
    const phases: string[] = [];
    const throughput: string[] = [];
    const extra: Record<string, string> = {};
    let raw200: number[] = [];
    for (const mib of SIZES_MIB) {
      const ours: Phases[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < RUNS[mib]!; i++) {
        const bundle = bundles.get(mib)![i]!;
        ours.push(await publish(registry, key, bundle, { sampleRss: mib === 200 }));
        theirs.push(await rawPut(bundle));
      }
      const size = bundles.get(mib)![0]!.size;
      const total = median(ours.map((p) => p.total));
      const other = median(theirs);
      if (mib === 200) raw200 = theirs;
      const phase = (k: keyof Phases) => Math.round(median(ours.map((p) => p[k] as number)));
      const partsNote =
        ours[0]!.parts > 1 ? ` in ${ours[0]!.parts} parts, complete ${phase('complete')}` : '';
      phases.push(
        `${mib} MiB: initiate ${phase('initiate')}, upload ${phase('upload')}${partsNote}, finalize ${phase('finalize')}`,
      );
      throughput.push(
        `${mib} MiB ${(size / MiB / (total / 1000)).toFixed(1)} / ${(size / MiB / (other / 1000)).toFixed(1)}`,
      );
      rows.push(
        row({
          case: `${mib} MiB bundle: initiate + upload${ours[0]!.parts > 1 ? ` (${ours[0]!.parts} parts) + complete` : ''} + finalize${RUNS[mib]! > 1 ? ` (median of ${RUNS[mib]})` : ''}`,
          unit: 'ms',
          ours: total,
          other,
          against: 'raw PutObject of the same bytes to the same store (limit)',
          kind: 'limit',
          higherIsBetter: false,
        }),
      );
      const rss = ours[0]!.rss;
      if (rss) {
        extra['registry RSS during the 200 MiB finalize'] =
          `+${((rss.finalizePeak - rss.beforeFinalize) / MiB).toFixed(1)} MiB over ${(rss.beforeFinalize / MiB).toFixed(0)} MiB (peak ${(rss.finalizePeak / MiB).toFixed(0)} MiB; the absolute level is mostly the embedded PGlite database in the same process)`;
      }
      process.stdout.write(`${phases.at(-1)} ms; raw PUT ${Math.round(other)} ms\n`);
    }

    // The same 200 MiB through the registry's own upload route, then finalize.
    const through = await publish(streaming, streamingKey, bundles.get(200)!.at(-1)!, {
      throughRegistry: true,
      sampleRss: true,
    });
    rows.push(
      row({
        case: '200 MiB through the registry (PUT /v1/uploads/{id}/content) + finalize',
        unit: 'ms',
        ours: through.total,
        other: median(raw200),
        against: 'raw PutObject of the same bytes to the same store (limit)',
        kind: 'limit',
        higherIsBetter: false,
      }),
    );
    phases.push(
      `200 MiB through the registry: initiate ${Math.round(through.initiate)}, upload ${Math.round(through.upload)}, finalize ${Math.round(through.finalize)}`,
    );
    const r = through.rss!;
    extra['registry RSS while 200 MiB stream through it into the store'] =
      `+${((r.uploadPeak - r.beforeUpload) / MiB).toFixed(1)} MiB (lib-storage multipart, 4 parts of 5 MiB in flight); its finalize +${((r.finalizePeak - r.beforeFinalize) / MiB).toFixed(1)} MiB`;
    process.stdout.write(`${phases.at(-1)} ms\n`);

    await writeResult({
      name: 'publish',
      title: 'Publish: initiate + upload + finalize vs a raw S3 PUT of the same bytes (s3rver)',
      rows,
      extra: {
        ...extra,
        'phases, ms (median)': phases.join('; '),
        'throughput, MiB/s (Annex publish / raw PUT)': throughput.join('; '),
      },
      notes: [
        'Store: s3rver 3.7.1 on loopback in the benchmark process (the same store and bucket for both sides). Registry: its own process, embedded PGlite, default settings (64 MiB multipart threshold, 200 MiB cap); parts go up one at a time, as `annex publish` sends them.',
      ],
    });
    process.stdout.write(`publish done in ${(ms(started) / 1000).toFixed(0)} s\n`);
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }
}

try {
  await main();
} catch (err) {
  fail(`publish benchmark failed: ${(err as Error).message}`);
}

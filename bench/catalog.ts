/**
 * Catalog reads against Verdaccio (SPEC section 9): one extension with N versions (BENCH_CATALOG_VERSIONS,
 * default 50) published to the Annex registry, one npm package with the same N versions published to
 * Verdaccio, then `GET /v1/extensions/{ext}` and `GET /v1/extensions/{ext}/versions` against the
 * packument (`GET /{package}`, full and abbreviated), 32 keep-alive connections for 5 s each.
 *
 * Both servers run in their own process on loopback; the load generator runs here. The registry runs on
 * the embedded default (PGlite in its process) and, when PostgreSQL answers at ANNEX_TEST_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres), a second time on a fresh PostgreSQL database.
 * Verdaccio (6.8, the last 6.x that runs on Node 20) is installed from npm into
 * node_modules/.cache/annex-bench/verdaccio on the first run and reused afterwards.
 *
 *   pnpm exec tsc -b && node --import=tsx bench/catalog.ts     (writes bench/results/catalog.json)
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  createEmptyPostgresDatabase,
  postgresAdminUrl,
  scaffoldManifest,
  startNode,
  tarArchive,
  tcpReachable,
  tempDir,
  waitFor,
  zstdCompress,
} from '@annex/test-support';
import { load, type LoadFigures } from './lib/load.js';
import { row, writeResult, type BenchRow } from './lib/report.js';
import {
  api,
  createKey,
  fail,
  freePort,
  httpGet,
  kib,
  root,
  sha256,
  startService,
  type ServiceProcess,
} from './lib/services.js';

const VERSIONS = Number(process.env.BENCH_CATALOG_VERSIONS ?? 50);
const VERDACCIO_VERSION = '6.8.0';
const PACKAGE = 'annex-bench-catalog';
const EXTENSION = 'acme.catalog';

type Cleanup = () => Promise<void> | void;

const versionAt = (i: number) => `${1 + Math.floor(i / 10)}.${i % 10}.0`;
const description = 'A catalog benchmark extension with a description of ordinary length.';

// ---- Verdaccio: installed at run time, started with a minimal config, fed through its publish API.

async function ensureVerdaccio(): Promise<string> {
  const dir = join(root, 'node_modules/.cache/annex-bench/verdaccio');
  const bin = join(dir, 'node_modules/verdaccio/bin/verdaccio');
  if (existsSync(join(dir, 'node_modules/verdaccio/package.json'))) return bin;
  mkdirSync(dir, { recursive: true });
  // verdaccio-audit asks for `node-fetch@cjs`, a dist-tag some registry mirrors lack: pin it instead.
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      private: true,
      dependencies: { verdaccio: VERDACCIO_VERSION },
      overrides: { 'verdaccio-audit': { 'node-fetch': '2.7.0' } },
    }),
  );
  process.stdout.write(`installing verdaccio@${VERDACCIO_VERSION} into ${dir} (once)\n`);
  const status = await new Promise<number | null>((resolve) => {
    const npm = spawn(
      'npm',
      ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'],
      {
        cwd: dir,
        stdio: ['ignore', 'inherit', 'inherit'],
        timeout: 120_000,
      },
    );
    npm.on('error', () => resolve(null));
    npm.on('exit', (code) => resolve(code));
  });
  if (status !== 0 || !existsSync(bin)) {
    throw new Error(`could not install verdaccio@${VERDACCIO_VERSION} with npm into ${dir} (exit ${status})`);
  }
  return bin;
}

async function startVerdaccio(bin: string, dir: string, cleanups: Cleanup[]) {
  const port = await freePort();
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(dir, 'htpasswd')}`,
      '    max_users: -1',
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $anonymous',
      'max_body_size: 100mb',
      'web:',
      '  enable: false',
      'log: { type: stdout, format: json, level: warn }',
      '',
    ].join('\n'),
  );
  const proc = startNode(bin, { HOME: dir }, ['--config', config, '--listen', `127.0.0.1:${port}`]);
  cleanups.push(async () => {
    proc.kill('SIGTERM');
    await proc.exited;
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await fetch(`${url}/-/ping`)).ok ? true : undefined), {
    timeoutMs: 60_000,
    what: 'verdaccio',
  });
  return { url, proc };
}

/** Publishes one version the way `npm publish` does: PUT the packument with the tarball attached. */
async function publishToVerdaccio(url: string, version: string) {
  const pkg = {
    name: PACKAGE,
    version,
    description,
    main: 'index.js',
    license: 'MIT',
  };
  const tgz = gzipSync(
    tarArchive([
      { name: 'package/package.json', data: JSON.stringify(pkg, null, 2) },
      {
        name: 'package/index.js',
        data: `export const version = '${version}';\n${randomBytes(256).toString('hex')}\n`,
      },
    ]),
  );
  const file = `${PACKAGE}-${version}.tgz`;
  const body = {
    _id: PACKAGE,
    name: PACKAGE,
    description,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        ...pkg,
        _id: `${PACKAGE}@${version}`,
        dist: {
          shasum: createHash('sha1').update(tgz).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
          tarball: `${url}/${PACKAGE}/-/${file}`,
        },
      },
    },
    _attachments: {
      [file]: { content_type: 'application/octet-stream', data: tgz.toString('base64'), length: tgz.length },
    },
  };
  const res = await fetch(`${url}/${PACKAGE}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201)
    throw new Error(`verdaccio publish ${version}: HTTP ${res.status} ${await res.text()}`);
}

// ---- Annex: the registry on its own, fed through initiate + upload + finalize.

interface AnnexSide {
  label: string;
  registry: ServiceProcess;
  readKey: string;
}

async function startAnnex(database: 'pglite' | 'postgres', cleanups: Cleanup[]): Promise<AnnexSide> {
  let env: Record<string, string> = {};
  if (database === 'postgres') {
    const empty = await createEmptyPostgresDatabase();
    cleanups.push(empty.drop);
    env = {
      DATABASE_URL: empty.url,
      RUNNER_TOKEN: 'bench-runner-token-0123456789',
      SECRETS_KEK: `bench:${Buffer.alloc(32, 7).toString('base64')}`,
    };
  }
  const registry = await startService('registry', env);
  cleanups.push(registry.stop);
  const base = registry.url;
  const publisher = await createKey(base, { role: 'publisher', publishers: ['acme'] });
  for (let i = 0; i < VERSIONS; i++) {
    const manifest = scaffoldManifest({
      name: 'catalog',
      version: versionAt(i),
      displayName: 'Catalog benchmark',
      description,
    });
    const bytes = await zstdCompress(
      tarArchive([
        { name: 'manifest.json', data: JSON.stringify(manifest) },
        {
          name: 'dist/main.wasm',
          data: Buffer.concat([Buffer.from([0, 97, 115, 109, 13, 0, 1, 0]), randomBytes(256)]),
        },
      ]),
    );
    const init = await api<{ uploadId: string; url: string; headers?: Record<string, string> }>(
      base,
      publisher,
      'POST',
      '/v1/uploads',
      { size: bytes.length, sha256: sha256(bytes) },
    );
    const put = await fetch(init.url, { method: 'PUT', headers: init.headers ?? {}, body: bytes });
    if (put.status !== 200) throw new Error(`upload HTTP ${put.status}: ${await put.text()}`);
    await api(base, publisher, 'POST', `/v1/uploads/${init.uploadId}/finalize`, {});
  }
  // Catalog reads take any valid key; a host application browsing the catalog holds a tenant key.
  const readKey = await createKey(base, { role: 'tenant', tenantId: 'bench-tenant' });
  return { label: database === 'postgres' ? 'PostgreSQL' : 'embedded PGlite', registry, readKey };
}

async function measure(url: string, headers: Record<string, string>, what: string): Promise<LoadFigures> {
  const figures = await load(url, { headers });
  if (figures.errors > 0 || figures.non2xx > 0) {
    throw new Error(`${what}: ${figures.errors} errors and ${figures.non2xx} non-2xx answers under load`);
  }
  process.stdout.write(
    `${what}: ${Math.round(figures.rps)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms\n`,
  );
  return figures;
}

async function main() {
  const started = performance.now();
  const dir = tempDir('annex-bench-catalog-');
  const cleanups: Cleanup[] = [() => dir.remove()];
  try {
    const postgres = await tcpReachable(postgresAdminUrl());
    // Set up in parallel; wait for every start to settle so each one's cleanup is registered.
    const [install, ...settled] = await Promise.allSettled([
      ensureVerdaccio(),
      startAnnex('pglite', cleanups),
      ...(postgres ? [startAnnex('postgres', cleanups)] : []),
    ]);
    const settledValue = <T>(s: PromiseSettledResult<T>): T => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    };
    const bin = settledValue(install) as string;
    const annexSides = [settledValue(settled[0]!) as AnnexSide];
    let postgresNote = postgres ? '' : `not reachable at ${postgresAdminUrl()}: embedded PGlite only`;
    if (settled[1]?.status === 'fulfilled') annexSides.push(settled[1].value as AnnexSide);
    else if (settled[1]?.status === 'rejected') {
      postgresNote = `the PostgreSQL side failed (${(settled[1].reason as Error).message}): embedded PGlite only`;
      process.stderr.write(`${postgresNote}\n`);
    }
    const verdaccio = await startVerdaccio(bin, dir.path, cleanups);
    for (let i = 0; i < VERSIONS; i++) await publishToVerdaccio(verdaccio.url, versionAt(i));
    process.stdout.write(
      `published ${VERSIONS} versions to ${annexSides.length} registr${annexSides.length > 1 ? 'ies' : 'y'} and Verdaccio in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );

    // What each side answers (bytes as the load generator receives them, uncompressed).
    const packumentUrl = `${verdaccio.url}/${PACKAGE}`;
    const abbreviated = { accept: 'application/vnd.npm.install-v1+json' };
    const full = await httpGet(packumentUrl);
    const abbr = await httpGet(packumentUrl, abbreviated);
    const fullDoc = JSON.parse(full.body.toString()) as { versions: Record<string, unknown> };
    const abbrDoc = JSON.parse(abbr.body.toString()) as { versions: Record<string, unknown> };
    if (full.status !== 200 || Object.keys(fullDoc.versions).length !== VERSIONS) {
      throw new Error(
        `verdaccio packument: HTTP ${full.status}, ${Object.keys(fullDoc.versions).length} versions`,
      );
    }
    if (abbr.status !== 200 || Object.keys(abbrDoc.versions).length !== VERSIONS) {
      throw new Error(`verdaccio abbreviated packument: HTTP ${abbr.status}`);
    }

    const vFull = await measure(packumentUrl, {}, 'verdaccio GET /{package}');
    const vAbbr = await measure(packumentUrl, abbreviated, 'verdaccio GET /{package} (abbreviated)');

    const rows: BenchRow[] = [];
    const sizes = [
      `Verdaccio packument ${kib(full.body.length)} (top level: ${Object.keys(fullDoc).join(', ')}; each version its package.json with dist)`,
      `abbreviated packument ${kib(abbr.body.length)} (name, version, dependencies, dist per version)`,
    ];
    for (const [i, side] of annexSides.entries()) {
      const base = `${side.registry.url}/v1/extensions/${EXTENSION}`;
      const headers = { authorization: `Bearer ${side.readKey}` };
      const ext = await httpGet(base, headers);
      const versions = await httpGet(`${base}/versions`, headers);
      const items = (JSON.parse(versions.body.toString()) as { items: unknown[] }).items;
      if (ext.status !== 200 || versions.status !== 200 || items.length !== VERSIONS) {
        throw new Error(
          `annex catalog reads: HTTP ${ext.status} / ${versions.status}, ${items.length} versions`,
        );
      }
      if (i === 0) {
        sizes.unshift(
          `Annex extension ${kib(ext.body.length)} (the extension with its latest version)`,
          `Annex versions ${kib(versions.body.length)} (${VERSIONS} × version, content hash, signature status, yanked, date)`,
        );
      }
      const e = await measure(base, headers, `annex (${side.label}) GET /v1/extensions/{ext}`);
      const v = await measure(`${base}/versions`, headers, `annex (${side.label}) GET …/versions`);
      rows.push(
        row({
          case: `GET /v1/extensions/{ext} (${kib(ext.body.length)}), ${side.label}`,
          unit: 'req/s',
          ours: e.rps,
          other: vFull.rps,
          against: `Verdaccio ${VERDACCIO_VERSION} packument, ${VERSIONS} versions (${kib(full.body.length)})`,
          kind: 'peer',
          higherIsBetter: true,
          oursP50Ms: e.p50Ms,
          oursP99Ms: e.p99Ms,
          otherP50Ms: vFull.p50Ms,
          otherP99Ms: vFull.p99Ms,
          note: 'The packument is how an npm client learns the latest version; Annex answers the extension alone.',
        }),
        row({
          case: `GET …/versions, ${VERSIONS} versions (${kib(versions.body.length)}), ${side.label}`,
          unit: 'req/s',
          ours: v.rps,
          other: vAbbr.rps,
          against: `Verdaccio abbreviated packument (${kib(abbr.body.length)})`,
          kind: 'peer',
          higherIsBetter: true,
          oursP50Ms: v.p50Ms,
          oursP99Ms: v.p99Ms,
          otherP50Ms: vAbbr.p50Ms,
          otherP99Ms: vAbbr.p99Ms,
          note: 'The abbreviated packument (accept: application/vnd.npm.install-v1+json) is the version list npm install reads.',
        }),
      );
    }

    await writeResult({
      name: 'catalog',
      title: `Catalog reads: one extension with ${VERSIONS} versions vs Verdaccio serving a package with ${VERSIONS} versions`,
      rows,
      extra: {
        'answer sizes, uncompressed': sizes.join('; '),
        load: '32 keep-alive connections, 2 s warm-up then 5 s measured, per case; the load generator shares the 2 cores',
        ...(postgresNote ? { postgres: postgresNote } : {}),
      },
      notes: [
        'Each server runs in its own process with request logging off (Annex LOG_LEVEL=warn, Verdaccio log level warn); Annex reads with a tenant API key, Verdaccio anonymously.',
      ],
    });
    process.stdout.write(`catalog done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }
}

try {
  await main();
} catch (err) {
  fail(`catalog benchmark failed: ${(err as Error).message}`);
}

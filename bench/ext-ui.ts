/**
 * ext-ui asset serving against nginx serving the same files (SPEC section 9), in the same run.
 * The runner runs on its own in a child process (embedded PGlite, filesystem store) and serves a
 * published bundle's ui/ (EXT_UI_STRICT=false, so no catalog rows are needed; in strict mode the
 * ownership check is an in-memory cache hit once warm); nginx (one worker, sendfile) serves the
 * same files from disk. Per file: 32 keep-alive connections, 2 s warm-up, 5 s measured, on each
 * server, and the server's CPU time per request (from /proc) beside it.
 *
 *   pnpm exec tsc -b && node --import=tsx bench/ext-ui.ts
 *
 * Needs Debian's nginx: installed with apt-get when missing and running as root. Writes
 * bench/results/ext-ui.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packBundle } from '@annex/bundle';
import { loadConfig } from '@annex/config';
import { createBundleStore } from '@annex/store';
import { tempDir, waitFor } from '@annex/test-support';
import { load, type LoadFigures } from './lib/load.js';
import { row, writeResult, type BenchRow } from './lib/report.js';
import { fail, freePort, httpGet, kib, root, startService } from './lib/services.js';

const NGINX = '/usr/sbin/nginx';
const FILES = ['index.html', 'app.js', 'asset-64k.bin'];
type Cleanup = () => Promise<void> | void;

/** The peer comes from Debian's packages; the benchmark installs it when it can (root, apt). */
function ensureNginx(): void {
  if (existsSync(NGINX)) return;
  const installed =
    process.getuid?.() === 0 &&
    spawnSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx'],
      { stdio: 'inherit', timeout: 75_000 },
    ).status === 0;
  if (!installed || !existsSync(NGINX)) {
    fail('nginx is missing: install the Debian package nginx (apt-get install nginx) and run again');
  }
}

/** CPU seconds (user + system, every thread) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/**
 * The load (after its warm-up) and the server's CPU time per answered request over the measured
 * seconds: when the server's CPU stays far below one core, the load generator is the bottleneck.
 */
async function measure(url: string, pid: number, what: string): Promise<LoadFigures & { cpuUs: number }> {
  await load(url, { seconds: 2, warmupSeconds: 0 });
  const cpuBefore = cpuSeconds(pid);
  const figures = await load(url, { warmupSeconds: 0 });
  const cpuUs = ((cpuSeconds(pid) - cpuBefore) / figures.requests) * 1e6;
  if (figures.errors > 0 || figures.non2xx > 0) {
    throw new Error(`${what}: ${figures.errors} errors and ${figures.non2xx} non-2xx answers under load`);
  }
  process.stdout.write(
    `${what}: ${Math.round(figures.rps)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, server CPU ${Math.round(cpuUs)} µs/request\n`,
  );
  return { ...figures, cpuUs };
}

async function main() {
  const started = performance.now();
  ensureNginx();
  const dir = tempDir('annex-bench-ui-');
  const cleanups: Cleanup[] = [() => dir.remove()];
  try {
    // The bundle: the hello example's UI plus a 64 KiB binary asset.
    const project = join(dir.path, 'project');
    await mkdir(join(project, 'ui'), { recursive: true });
    await cp(join(root, 'examples/hello/ui'), join(project, 'ui'), { recursive: true });
    await writeFile(join(project, 'ui', 'asset-64k.bin'), randomBytes(64 * 1024));
    await writeFile(
      join(project, 'manifest.json'),
      JSON.stringify({
        name: 'uibench',
        publisher: 'bench',
        version: '1.0.0',
        ui: { type: 'iframe', entry: 'ui/index.html' },
      }),
    );
    const packed = await packBundle(project);

    // Put it in the store the runner will use (the filesystem store under its DATA_DIR), then start it.
    const dataDir = join(dir.path, 'runner');
    const env = { EXT_UI_STRICT: 'false' };
    const config = loadConfig('runner', { DATA_DIR: dataDir, ...env }, { generateLocalSecrets: true });
    const store = createBundleStore(config.store);
    await store.putIfAbsent(store.canonicalKey(packed.contentHash, 'bundle'), packed.bytes!);
    store.close();
    const runner = await startService('runner', env, dataDir);
    cleanups.push(runner.stop);
    const runnerBase = `${runner.url}/ext-ui/${randomUUID()}/${packed.contentHash}`;

    const nginxPort = await freePort();
    const conf = join(dir.path, 'nginx.conf');
    const d = dir.path;
    await writeFile(
      conf,
      `worker_processes 1;
daemon off;
pid ${join(d, 'nginx.pid')};
error_log ${join(d, 'nginx-error.log')};
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path ${d};
  proxy_temp_path ${d};
  fastcgi_temp_path ${d};
  uwsgi_temp_path ${d};
  scgi_temp_path ${d};
  server { listen 127.0.0.1:${nginxPort}; root ${join(project, 'ui')}; }
}
`,
    );
    const nginx = spawn(NGINX, ['-c', conf, '-p', d], { stdio: 'ignore' });
    const nginxExited = new Promise((resolve) => nginx.on('exit', resolve));
    cleanups.push(async () => {
      nginx.kill('SIGTERM');
      await nginxExited;
    });
    const nginxBase = `http://127.0.0.1:${nginxPort}`;
    await waitFor(
      async () => ((await httpGet(`${nginxBase}/index.html`)).status === 200 ? true : undefined),
      {
        what: 'nginx',
      },
    );

    // nginx's master forks the one worker that serves.
    const nginxWorker = Number(
      readFileSync(`/proc/${nginx.pid}/task/${nginx.pid}/children`, 'utf8').trim().split(/\s+/)[0],
    );
    const rows: BenchRow[] = [];
    const cpuRows: BenchRow[] = [];
    const cpu: string[] = [];
    for (const file of FILES) {
      const ours = await httpGet(`${runnerBase}/${file}`);
      const theirs = await httpGet(`${nginxBase}/${file}`);
      if (ours.status !== 200 || theirs.status !== 200 || !ours.body.equals(theirs.body)) {
        throw new Error(
          `${file}: runner HTTP ${ours.status}, nginx HTTP ${theirs.status}, or different bytes`,
        );
      }
      const a = await measure(`${runnerBase}/${file}`, runner.pid, `annex /ext-ui ${file}`);
      const n = await measure(`${nginxBase}/${file}`, nginxWorker, `nginx ${file}`);
      const busy = (f: { cpuUs: number; rps: number }) => Math.round((f.cpuUs * f.rps) / 1e4);
      cpu.push(`${file} ${busy(a)} / ${busy(n)}`);
      cpuRows.push(
        row({
          case: `${file}: server CPU per request`,
          unit: 'µs',
          ours: a.cpuUs,
          other: n.cpuUs,
          against: 'nginx worker, same load (peer)',
          kind: 'peer',
          higherIsBetter: false,
        }),
      );
      rows.push(
        row({
          case: `${file} (${kib(ours.body.length)})`,
          unit: 'req/s',
          ours: a.rps,
          other: n.rps,
          against: 'nginx, same files (peer)',
          kind: 'peer',
          higherIsBetter: true,
          oursP50Ms: a.p50Ms,
          oursP99Ms: a.p99Ms,
          otherP50Ms: n.p50Ms,
          otherP99Ms: n.p99Ms,
        }),
      );
    }
    const version = spawnSync(NGINX, ['-v'], { encoding: 'utf8' })
      .stderr.trim()
      .replace(/^nginx version: /, '');
    await writeResult({
      name: 'ext-ui',
      title: 'ext-ui: UI assets from the runner vs nginx serving the same files',
      rows: [...rows, ...cpuRows],
      extra: {
        peer: `${version}, one worker, sendfile, access log off`,
        'server CPU use under load, % of one core (runner / nginx worker)': cpu.join('; '),
        load: '32 keep-alive connections, 2 s warm-up then 5 s measured, per file and server; the load generator shares the 2 cores',
      },
      notes: [
        'Server CPU per request is user + system time of the server process (every thread) from /proc over the measured seconds, divided by the requests answered. Where a server stays well under one core, the load generator on the same cores is the limit and the req/s ratio understates the difference; the CPU ratio does not depend on it.',
        'The runner runs on its own (embedded PGlite, filesystem store, EXT_UI_STRICT=false) and answers from its verified disk cache with strong ETags, CSP, nosniff and immutable caching; nginx sends the files as they are.',
      ],
    });
    process.stdout.write(`ext-ui done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }
}

try {
  await main();
} catch (err) {
  fail(`ext-ui benchmark failed: ${(err as Error).message}`);
}

/**
 * ext-ui asset serving against nginx serving the same files, on the same machine in the same run.
 * The runner serves a published bundle's ui/ (EXT_UI_STRICT=false, so no catalog rows are needed;
 * the ownership check is a cached lookup either way); nginx serves the same files from disk.
 *
 *   pnpm build && node --import=tsx bench/ext-ui.ts    (needs Debian's nginx; writes bench/results/ext-ui.json)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packBundle } from '@annex/bundle';
import { loadConfig } from '@annex/config';
import { buildRunnerApp } from '@annex/runner';
import { createBundleStore } from '@annex/store';
import { createTestDatabase, waitFor } from '@annex/test-support';
import { latency, throughput } from './http-load.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(bytes) : reject(new Error(`HTTP ${res.statusCode} ${url}`)),
      );
    })
      .on('error', reject)
      .end();
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// The peer comes from Debian's packages; the benchmark installs it when it can (root, apt).
if (!existsSync('/usr/sbin/nginx')) {
  const installed =
    process.getuid?.() === 0 &&
    spawnSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx'],
      {
        stdio: 'inherit',
      },
    ).status === 0;
  if (!installed) {
    console.error('nginx is missing: install the Debian package nginx (apt-get install nginx) and run again');
    process.exit(2);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'annex-bench-ui-'));
const project = join(dir, 'project');
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

const database = await createTestDatabase();
const config = loadConfig(
  'runner',
  {
    DATA_DIR: join(dir, 'data'),
    LOG_LEVEL: 'warn',
    RUNNER_TOKEN: 'bench-runner-token-0123',
    EXT_UI_STRICT: 'false',
  },
  { generateLocalSecrets: true },
);
const store = createBundleStore(config.store);
await store.putIfAbsent(store.canonicalKey(packed.contentHash, 'bundle'), packed.bytes!);
const app = await buildRunnerApp({ config, resources: { database, store } });
await app.listen({ port: 0, host: '127.0.0.1' });
const runnerBase = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/ext-ui/${randomUUID()}/${packed.contentHash}`;

const nginxPort = await freePort();
const conf = join(dir, 'nginx.conf');
await writeFile(
  conf,
  `worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')};
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  server { listen 127.0.0.1:${nginxPort}; root ${join(project, 'ui')}; }
}
`,
);
const nginx = spawn('/usr/sbin/nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
const nginxBase = `http://127.0.0.1:${nginxPort}`;
await waitFor(() => get(`${nginxBase}/index.html`).then(() => true), { what: 'nginx' });

const results: Record<string, unknown> = {};
for (const file of ['index.html', 'app.js', 'asset-64k.bin']) {
  const ours = () => get(`${runnerBase}/${file}`);
  const peer = () => get(`${nginxBase}/${file}`);
  const oursRps = await throughput(ours, 5);
  const peerRps = await throughput(peer, 5);
  results[file] = {
    bytes: await ours(),
    annex: { rps: Math.round(oursRps), ...(await latency(ours, 2000)) },
    nginx: { rps: Math.round(peerRps), ...(await latency(peer, 2000)) },
    ratio: +(oursRps / peerRps).toFixed(2),
  };
}
nginx.kill('SIGTERM');
await app.close();
await database.close();
agent.destroy();
await rm(dir, { recursive: true, force: true });

const report = {
  name: 'ext-ui',
  date: new Date().toISOString(),
  machine: { cores: availableParallelism(), node: process.version },
  results,
};
await mkdir(join(root, 'bench/results'), { recursive: true });
await writeFile(join(root, 'bench/results/ext-ui.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));

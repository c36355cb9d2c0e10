/**
 * Services the benchmarks start as child processes (so a load generator in the benchmark's own
 * process never shares an event loop with the server it measures, and RSS can be sampled per
 * process), plus the small HTTP helpers they share.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode, tempDir, waitFor, type RunningProcess } from '@annex/test-support';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const MiB = 1024 * 1024;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServiceProcess {
  url: string;
  pid: number;
  proc: RunningProcess;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * `services/<service>/dist/main.js` on its own (as in a container) on a loopback port, quiet logs,
 * its own data dir (embedded PGlite unless `env` names a DATABASE_URL); resolves once /readyz is 200.
 */
export async function startService(
  service: 'registry' | 'runner',
  env: Record<string, string> = {},
  dataDir?: string,
): Promise<ServiceProcess> {
  const dir = dataDir ? undefined : tempDir(`annex-bench-${service}-`);
  const data = dataDir ?? dir!.path;
  const port = await freePort();
  const proc = startNode(join(root, `services/${service}/dist/main.js`), {
    DATA_DIR: data,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ...(service === 'registry' ? { REGISTRY_ADMIN_TOKEN: ADMIN_TOKEN } : {}),
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`${service} exited: ${proc.stderr().slice(-2000)}`);
        const res = await fetch(`${url}/readyz`);
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs: 90_000, what: `${service} /readyz` },
    );
  } catch (err) {
    proc.kill('SIGKILL');
    dir?.remove();
    throw new Error(`${service} did not start: ${(err as Error).message}\n${proc.stderr().slice(-2000)}`, {
      cause: err,
    });
  }
  return {
    url,
    pid: proc.child.pid!,
    proc,
    dataDir: data,
    stop: async () => {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await proc.exited;
      clearTimeout(timer);
      dir?.remove();
    },
  };
}

/** A JSON call with an API key; throws on an unexpected status so a benchmark never measures errors. */
export async function api<T = Record<string, unknown>>(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  expect = [200, 201],
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export async function createKey(base: string, body: Record<string, unknown>): Promise<string> {
  return (await api<{ key: string }>(base, ADMIN_TOKEN, 'POST', '/v1/api-keys', body)).key;
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * One GET with node:http and no `accept-encoding` (as autocannon sends it): status and the exact
 * body bytes the load generator receives.
 */
export function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

export const kib = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB`;

/** Fails the benchmark with one clear line (exit 1) rather than a stack trace. */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

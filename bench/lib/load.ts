/** HTTP load with autocannon: keep-alive connections for a fixed time after a warm-up. */
import autocannon from 'autocannon';

export interface LoadOptions {
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Concurrent connections (default 32). */
  connections?: number;
  /** Measured seconds (default 5), after `warmupSeconds` (default 2) not measured. */
  seconds?: number;
  warmupSeconds?: number;
  /** Several request shapes, cycled (the scenario mixes GET and POST across tenants). */
  requests?: autocannon.Request[];
}

export interface LoadFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  requests: number;
}

function once(url: string, options: LoadOptions, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.requests ? { requests: options.requests } : {}),
    connections: options.connections ?? 32,
    duration: seconds,
  });
}

export async function load(url: string, options: LoadOptions = {}): Promise<LoadFigures> {
  const warmup = options.warmupSeconds ?? 2;
  if (warmup > 0) await once(url, options, warmup);
  const result = await once(url, options, options.seconds ?? 5);
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}

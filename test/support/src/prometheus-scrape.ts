/** Reading a service's `/metrics` in tests: the Prometheus text format, the subset prom-client writes. */

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsed metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** What `/metrics` needs from a Fastify app: light-my-request's inject. */
export interface Injectable {
  inject(options: { method: 'GET'; url: string }): PromiseLike<{ statusCode: number; body: string }>;
}

export interface MetricsScrape {
  text: string;
  samples: MetricSample[];
  /** The value of the one sample named `name` whose labels include `labels` (0 when absent). */
  value(name: string, labels?: Record<string, string>): number;
}

export async function scrapeMetrics(app: Injectable): Promise<MetricsScrape> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
  const samples = parseMetrics(res.body);
  const value = (name: string, labels: Record<string, string> = {}) => {
    const found = samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    if (found.length > 1)
      throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
    return found[0]?.value ?? 0;
  };
  return { text: res.body, samples, value };
}

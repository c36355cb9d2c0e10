import { config, json, kv, log, type ExecuteRequest } from '@annex/sdk';

interface HelloConfig {
  greeting?: string;
}

/** `GET /hello/:name` → `{ message, visits }`, counting visits per name in the install's KV. */
export function greet(_req: ExecuteRequest, params: { name: string }) {
  const greeting = config<HelloConfig>().greeting ?? 'Hello';
  // Compare-and-set: two concurrent requests for the same name both get counted.
  const { value: visits } = kv.update<number>(`visits:${params.name}`, (n) => (n ?? 0) + 1);
  log.info(`greeted ${params.name}`, { visits });
  return json(200, { message: `${greeting}, ${params.name}!`, visits });
}

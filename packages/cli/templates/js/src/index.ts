import { config, defineHandler, json, kv, log, readJson, route } from '@annex/sdk';

// Every route here must also be listed in manifest.json `api.endpoints`: the gateway forwards only those.
export const handler = defineHandler(
  route({
    'GET /hello/:name': (_req, params) => {
      const greeting = config<{ greeting?: string }>().greeting ?? 'Hello';
      const { value: visits } = kv.update<number>(`visits:${params.name}`, (n) => (n ?? 0) + 1);
      log.info(`greeted ${params.name}`);
      return json(200, { message: `${greeting}, ${params.name}!`, visits });
    },
    'POST /echo': (req) => json(200, { received: readJson(req) }),
  }),
);

import { loadConfig, type Config } from '@annex/config';
import type { FastifyInstance } from 'fastify';
import { exitOnSignals } from './graceful-shutdown.js';
import { openServiceResources, type ServiceResources } from './service-resources.js';
import { failStartup } from './startup-error.js';

export type BuildService = (config: Config, resources: ServiceResources) => Promise<FastifyInstance>;

/** Entry point of a service run on its own (containers): config, database, migrations, listen, signals. */
export async function runStandalone(service: 'registry' | 'runner', build: BuildService): Promise<void> {
  try {
    const config = loadConfig(service);
    const resources = await openServiceResources(config);
    const app = await build(config, resources);
    await app.listen({ port: config.port, host: config.host });
    exitOnSignals({
      logger: app.log,
      steps: [() => app.close(), async () => resources.store.close(), () => resources.database.close()],
    });
  } catch (err) {
    failStartup(err);
  }
}

import type { AddressInfo } from 'node:net';
import { loadConfig, localSecretPath, type Config } from '@annex/config';
import { buildRegistryApp } from '@annex/registry';
import { buildRunnerApp } from '@annex/runner';
import { openServiceResources, type ServiceResources } from '@annex/server';
import type { FastifyInstance } from 'fastify';

export interface EmbeddedPlatform {
  registry: FastifyInstance;
  runner: FastifyInstance;
  registryUrl: string;
  runnerUrl: string;
  registryConfig: Config;
  runnerConfig: Config;
  resources: ServiceResources;
  /** Closes both services (in-flight requests finish first), then the database. */
  close(): Promise<void>;
}

function urlOf(app: FastifyInstance, host: string): string {
  const { port } = app.server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown}:${port}`;
}

/**
 * Both services in one process over one embedded database (PGlite belongs to one process; SPEC
 * section 1). Local secrets (admin token, runner token, secrets key) are generated into DATA_DIR.
 */
export async function startEmbedded(env: NodeJS.ProcessEnv = process.env): Promise<EmbeddedPlatform> {
  const runnerConfig = loadConfig('runner', env, { generateLocalSecrets: true });
  let registryConfig = loadConfig('registry', env, { generateLocalSecrets: true });
  const resources = await openServiceResources(registryConfig);
  const opened: FastifyInstance[] = [];
  try {
    const runner = await buildRunnerApp({ config: runnerConfig, resources });
    opened.push(runner);
    // PORT is for a service run on its own; together they use their own ports.
    await runner.listen({ port: runnerConfig.env.RUNNER_PORT, host: runnerConfig.host });
    const runnerUrl = urlOf(runner, runnerConfig.host);
    // With RUNNER_PORT=0 the runner's address is known only now; the registry must call that one.
    if (!registryConfig.env.RUNNER_BASE_URL) {
      const loopback = runnerUrl.replace('//localhost:', '//127.0.0.1:');
      registryConfig = {
        ...registryConfig,
        runnerBaseUrl: loopback,
        runnerPublicBase: registryConfig.env.RUNNER_PUBLIC_BASE ?? runnerUrl,
      };
    }
    const registry = await buildRegistryApp({ config: registryConfig, resources });
    opened.push(registry);
    await registry.listen({ port: registryConfig.env.REGISTRY_PORT, host: registryConfig.host });
    return {
      registry,
      runner,
      registryUrl: urlOf(registry, registryConfig.host),
      runnerUrl,
      registryConfig,
      runnerConfig,
      resources,
      close: async () => {
        await Promise.all([registry.close(), runner.close()]);
        resources.store.close();
        await resources.database.close();
      },
    };
  } catch (err) {
    await Promise.allSettled(opened.map((app) => app.close()));
    await resources.database.close();
    throw err;
  }
}

/** The start-up banner: where to go next. */
export function banner(platform: EmbeddedPlatform): string {
  const config = platform.registryConfig;
  const tokenSource = config.env.REGISTRY_ADMIN_TOKEN
    ? 'from REGISTRY_ADMIN_TOKEN'
    : `saved in ${localSecretPath(config.dataDir, 'admin-token')}`;
  return [
    '',
    `Annex is running on the embedded default (data in ${config.dataDir})`,
    `  registry     ${platform.registryUrl}   (API: ${platform.registryUrl}/docs)`,
    `  runner       ${platform.runnerUrl}`,
    `  admin token  ${config.adminToken}   (${tokenSource})`,
    '',
    'Next:',
    `  curl ${platform.registryUrl}/readyz`,
    '  then follow the walkthrough in README.md to publish, install and call the example extension.',
    'Stop with Ctrl-C.',
    '',
  ].join('\n');
}

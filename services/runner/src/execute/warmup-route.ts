import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RunnerRuntime } from '../runner-runtime.js';
import { componentPath } from './executor.js';
import { WarmupBodySchema } from './execute-schema.js';
import { normalizeContentHash } from './guest-request.js';
import { loadComponent } from './load-component.js';
import { strictValidator } from './strict-validator.js';

/**
 * `POST /v1/warmup {content_hash, memory_mb?}`: fetch, verify, transpile and compile ahead of the
 * first call (for the default memory cap unless told otherwise). Bearer auth by the enclosing plugin.
 */
export const warmupRoute: FastifyPluginAsyncTypebox<{ runtime: RunnerRuntime }> = async (
  app,
  { runtime },
) => {
  app.post(
    '/v1/warmup',
    { schema: { body: WarmupBodySchema }, validatorCompiler: strictValidator },
    async (request) => {
      const started = performance.now();
      const contentHash = normalizeContentHash(request.body.content_hash);
      const memoryMb = Math.min(
        request.body.memory_mb ?? runtime.limits.defaultMemoryMb,
        runtime.limits.maxMemoryMb,
      );
      const lease = await runtime.bundles.acquire(contentHash);
      try {
        const path = await componentPath(lease.dir, lease.manifest.entry);
        await loadComponent(runtime.modules, contentHash, path, memoryMb);
      } finally {
        lease.release();
      }
      return {
        content_hash: contentHash,
        memory_mb: memoryMb,
        duration_ms: Math.round(performance.now() - started),
      };
    },
  );
};

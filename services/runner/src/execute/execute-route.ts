import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IDEMPOTENCY_KEY_RE, requestFingerprint } from '../idempotency/idempotency-store.js';
import { runnerErrors } from '../runner-errors.js';
import type { RunnerRuntime } from '../runner-runtime.js';
import { ExecuteEnvelopeSchema, type ExecuteEnvelope } from './execute-schema.js';
import { strictValidator } from './strict-validator.js';

const MiB = 1024 * 1024;

function fingerprintOf(envelope: ExecuteEnvelope): string {
  const query = Object.entries(envelope.http.query ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]);
  return requestFingerprint([
    envelope.context.install_id,
    envelope.http.method.toUpperCase(),
    envelope.http.path,
    query,
    envelope.http.body_b64 ?? null,
  ]);
}

/** `POST /v1/execute` (SPEC section 6). Bearer auth is checked by the enclosing plugin. */
export const executeRoute: FastifyPluginAsyncTypebox<{ runtime: RunnerRuntime }> = async (
  app,
  { runtime },
) => {
  const { limits } = runtime;
  app.post(
    '/v1/execute',
    {
      schema: { body: ExecuteEnvelopeSchema },
      validatorCompiler: strictValidator,
      // The body travels base64 (4/3) inside an envelope that may also carry secrets and config.
      bodyLimit: Math.ceil((limits.maxRequestBodyBytes * 4) / 3) + 6 * MiB,
    },
    async (request, reply) => {
      const envelope = request.body;
      const options = { recordedByCaller: request.headers['x-annex-recorded-by'] === 'caller' };
      const header = request.headers['x-idempotency-key'];
      const key = Array.isArray(header) ? header[0] : header;
      if (key === undefined || envelope.http.method.toUpperCase() === 'GET')
        return runtime.execute(envelope, options);
      if (!IDEMPOTENCY_KEY_RE.test(key)) {
        throw runnerErrors.badRequest('x-idempotency-key must be 1 to 255 visible ASCII characters');
      }
      const { answer, replayed } = await runtime.idempotency.run(
        { tenantId: envelope.context.tenant_id, extensionId: envelope.context.extension_id, key },
        fingerprintOf(envelope),
        async () => JSON.stringify(await runtime.execute(envelope, options)),
      );
      void reply.header('content-type', 'application/json; charset=utf-8');
      if (replayed) void reply.header('x-idempotent-replay', 'true');
      return reply.send(answer);
    },
  );
};

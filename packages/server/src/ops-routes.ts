import { timingSafeEqual, createHash } from 'node:crypto';
import { configFingerprint, type Config } from '@annex/config';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody, HttpError } from './http-error.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface OpsRoutesOptions {
  config: Config;
  checks: ReadinessCheck[];
  /** Who may read the fingerprint (it hashes shared secrets): answers true for an operator. */
  authorizeOperator(request: FastifyRequest): Promise<boolean> | boolean;
}

const CHECK_TIMEOUT_MS = 3000;

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return 'ok';
  } catch (err) {
    return `down: ${(err as Error).message || (err as Error).name}`;
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz`, `/readyz` and `/v1/config/fingerprint`, the same on both services (SPEC section 5). */
export async function opsRoutes(app: FastifyInstance, options: OpsRoutesOptions): Promise<void> {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok', service: options.config.service }));

  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const results = await Promise.all(options.checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const checks = Object.fromEntries(results);
    const down = results.filter(([, status]) => status !== 'ok').map(([name]) => name);
    if (down.length > 0) {
      return reply.status(503).send(
        errorBody('NOT_READY', `not ready: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down`, {
          checks,
        }),
      );
    }
    return { status: 'ready', checks };
  });

  const fingerprint = configFingerprint(options.config);
  app.get('/v1/config/fingerprint', async (request) => {
    if (!(await options.authorizeOperator(request))) {
      throw new HttpError(401, 'UNAUTHORIZED', 'an operator credential is required');
    }
    return fingerprint;
  });
}

/** Constant-time comparison of a presented bearer token with the expected one. */
export function bearerMatches(request: FastifyRequest, expected: string): boolean {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  // Hash both sides so the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(header.slice(7)).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

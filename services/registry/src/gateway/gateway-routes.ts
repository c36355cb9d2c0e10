import { performance } from 'node:perf_hooks';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { authorizeTenant } from '../auth/tenant-access.js';
import { executionMetrics, type ExecutionLog } from '../executions/execution-log.js';
import { RegistryError } from '../registry-error.js';
import type { GatewayRateLimiter } from './gateway-rate-limit.js';
import type { GuestRequest } from './execute-envelope.js';
import type { GatewayService } from './gateway-service.js';
import type { InstallTarget } from './install-target.js';

export interface GatewayRoutesOptions {
  gateway: GatewayService;
  executions: ExecutionLog;
  authenticator: Authenticator;
  limiter: GatewayRateLimiter;
  /** EXT_GATEWAY_MAX_BODY_BYTES */
  maxBodyBytes: number;
}

/** What one call has reached so far; the execution log row is written from it when it is answered. */
interface CallState {
  startedAt: Date;
  t0: number;
  tenantId?: string;
  target?: InstallTarget;
  endpoint?: string;
  metrics?: Record<string, unknown>;
  guestAnswered?: boolean;
}

const CALL = Symbol('annex.gatewayCall');
type CallRequest = FastifyRequest & { [CALL]?: CallState };
const stateOf = (request: FastifyRequest): CallState => (request as CallRequest)[CALL]!;

/** `/api/ext/{ext}` and what follows it, percent-encoding kept: the path the guest sees. */
function guestPath(url: string): string {
  const path = url.split('?')[0]!;
  const match = /^\/api\/ext\/[^/]+(\/.*)?$/.exec(path);
  return match?.[1] ?? '/';
}

function queryOf(query: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, string | string[]>)) {
    // A repeated name keeps all its values, in order.
    if (typeof value === 'string' || Array.isArray(value)) out[name] = value;
  }
  return out;
}

/**
 * The tenant a gateway call acts for (SPEC section 5): a tenant key's own (a different
 * `x-tenant-id` finds nothing), or the `x-tenant-id` of a gateway or admin key.
 */
function tenantOfCall(principal: Principal, header: string | string[] | undefined): string {
  const named = Array.isArray(header) ? header[0] : header;
  if (principal.role === 'tenant') {
    if (named !== undefined && named !== principal.tenantId) {
      throw new RegistryError('EXTENSION_NOT_AVAILABLE', 'no such extension for this key');
    }
    return principal.tenantId;
  }
  if (principal.role === 'publisher') {
    throw new RegistryError('FORBIDDEN', 'a publisher key cannot call extensions');
  }
  if (named === undefined || named === '') {
    throw new RegistryError(
      'BAD_REQUEST',
      `a ${principal.role} key names the tenant in the x-tenant-id header`,
    );
  }
  return authorizeTenant(principal, named, 'call').tenantId;
}

/**
 * The gateway: `GET|POST|PUT|PATCH|DELETE /api/ext/{ext}/{*path}` (SPEC sections 5 and 10). In
 * order, before the body is read: the key and tenant, the tenant's enabled install (cached), the
 * rate limit, the endpoint, the declared body size. Then the runner call, and one execution-log row
 * for every call that reached an install, written before the answer leaves.
 */
export const gatewayRoutes: FastifyPluginAsync<GatewayRoutesOptions> = async (app, options) => {
  const { gateway, executions, authenticator, limiter, maxBodyBytes } = options;

  // Bodies reach the guest as bytes, whatever their type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) =>
    done(null, body),
  );

  app.addHook('onRequest', async (request) => {
    (request as CallRequest)[CALL] = { startedAt: new Date(), t0: performance.now() };
    const principal = await authenticator.authenticate(request);
    stateOf(request).tenantId = tenantOfCall(principal, request.headers['x-tenant-id']);
  });

  app.addHook('preParsing', async (request, reply, payload) => {
    const state = stateOf(request);
    const { ext } = request.params as { ext: string };
    // Known before it is judged, so calls to a disabled or pending install are logged too.
    state.target = await gateway.lookup(state.tenantId!, ext);
    const target = gateway.available(state.target, ext);
    const verdict = await limiter(request, `${target.tenantId}:${target.extensionId}`);
    if (verdict) {
      void reply.headers({
        'x-ratelimit-limit': String(verdict.limit),
        'x-ratelimit-remaining': String(verdict.remaining),
        'x-ratelimit-reset': String(verdict.resetSeconds),
      });
    }
    const path = guestPath(request.url);
    const endpoint = gateway.endpoint(target, request.method, path);
    state.endpoint = `${endpoint.method} ${endpoint.path}`;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      throw new RegistryError('PAYLOAD_TOO_LARGE', `the request body is larger than ${maxBodyBytes} bytes`, {
        limit: maxBodyBytes,
      });
    }
    return payload;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const state = (request as CallRequest)[CALL];
    if (!state?.target) return payload;
    const finishedAt = new Date();
    const error = state.guestAnswered ? null : errorCodeOf(payload, reply.statusCode);
    try {
      await executions.record({
        tenantId: state.target.tenantId,
        extensionId: state.target.extensionId,
        installId: state.target.installId,
        requestId: request.id,
        startedAt: state.startedAt,
        finishedAt,
        status: reply.statusCode,
        metrics: metricsOf(state),
        error,
      });
    } catch (err) {
      request.log.error({ err }, 'execution log row not written');
    }
    return payload;
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const state = stateOf(request);
    const call: GuestRequest = {
      requestId: request.id,
      method: request.method,
      path: guestPath(request.url),
      query: queryOf(request.query),
      headers: request.headers,
      body: Buffer.isBuffer(request.body) ? request.body : undefined,
    };
    const answer = await gateway.execute(state.target!, call);
    state.metrics = answer.metrics;
    state.guestAnswered = true;
    return reply.status(answer.status).headers(answer.headers).send(answer.body);
  };

  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
  const schema = {
    tags: ['gateway'],
    summary: 'Call an extension endpoint (tenant key, or gateway key with x-tenant-id); the guest answers',
  };
  app.route({ method: [...methods], url: '/api/ext/:ext', bodyLimit: maxBodyBytes, schema, handler });
  app.route({ method: [...methods], url: '/api/ext/:ext/*', bodyLimit: maxBodyBytes, schema, handler });
};

function metricsOf(state: CallState): Record<string, unknown> {
  return {
    ...executionMetrics(state.metrics ?? {}, Math.round((performance.now() - state.t0) * 1000) / 1000),
    ...(state.endpoint ? { endpoint: state.endpoint } : {}),
  };
}

function errorCodeOf(payload: unknown, status: number): string | null {
  if (typeof payload === 'string') {
    try {
      const code = (JSON.parse(payload) as { error?: { code?: unknown } }).error?.code;
      if (typeof code === 'string') return code;
    } catch {
      // not an error body
    }
  }
  return status >= 400 ? `HTTP_${status}` : null;
}

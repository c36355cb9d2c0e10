import type { SecretEnvelope } from '@annex/secrets';

/** The body of `POST /v1/execute` (SPEC section 6). */
export interface ExecuteEnvelope {
  context: {
    request_id: string;
    tenant_id: string;
    extension_id: string;
    install_id: string;
    version_id: string;
    version: string;
    content_hash: string;
    config: Record<string, unknown>;
    /** Event deliveries: the tenant's event id. */
    event_id?: string;
  };
  http: {
    method: string;
    path: string;
    /** A repeated name carries all its values. */
    query: Record<string, string | string[]>;
    headers: Record<string, string>;
    body_b64: string | null;
  };
  limits: { timeout_ms: number; memory_mb: number; quota?: QuotaEnvelope };
  providers: string[];
  egress: string[];
  secret_envelope: SecretEnvelope;
  user?: { user_id?: string; user_email?: string; user_name?: string; user_type?: string };
}

/** Per-minute quotas in the envelope (0: unlimited). */
export interface QuotaEnvelope {
  invocations_per_minute: number;
  cpu_ms_per_minute: number;
  mem_mb_ms_per_minute: number;
  egress_bytes_per_minute: number;
}

/** What became of one execute call; the gateway maps each kind to its answer (SPEC section 10). */
export type RunnerOutcome =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string | string[]>;
      body: Buffer;
      metrics: Record<string, unknown>;
    }
  /** The runner answered an error status with the error shape of section 5. */
  | {
      kind: 'error';
      status: number;
      code: string;
      message: string;
      retryAfterSeconds?: number;
      /** The runner's error details (a refused quota names itself and its limit). */
      details?: Record<string, unknown>;
    }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'timeout' }
  /** A 200 that is not an execute answer, or a guest status that is not an HTTP status. */
  | { kind: 'invalid'; reason: string }
  | { kind: 'too-large' };

export interface RunnerClient {
  execute(
    envelope: ExecuteEnvelope,
    options: { requestId: string; idempotencyKey?: string },
  ): Promise<RunnerOutcome>;
}

export interface RunnerClientOptions {
  /** RUNNER_BASE_URL */
  baseUrl: string;
  /** RUNNER_TOKEN */
  token: string;
  /** EXT_GATEWAY_TIMEOUT_MS: the whole call, answer body included. */
  timeoutMs: number;
  /** Largest answer read from the runner (the guest body base64-encoded, plus the JSON around it). */
  maxAnswerBytes: number;
}

class TooLarge extends Error {}

async function readCapped(response: Response, cap: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > cap) {
    await response.body?.cancel().catch(() => {});
    throw new TooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > cap) {
      await response.body.cancel().catch(() => {});
      throw new TooLarge();
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function isTimeout(err: unknown): boolean {
  const name = (err as Error)?.name;
  return (
    name === 'TimeoutError' ||
    (name === 'AbortError' && (err as { cause?: Error }).cause?.name === 'TimeoutError')
  );
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function outcomeOf(status: number, bytes: Buffer, retryAfter: string | null): RunnerOutcome {
  const parsed = parseJson(bytes) as Record<string, unknown> | undefined;
  if (status !== 200) {
    const error = (parsed?.error ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
    const seconds = Number(retryAfter);
    return {
      kind: 'error',
      status,
      code: typeof error.code === 'string' ? error.code : `HTTP_${status}`,
      message: typeof error.message === 'string' ? error.message : `the runner answered HTTP ${status}`,
      ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterSeconds: seconds } : {}),
      ...(error.details && typeof error.details === 'object' && !Array.isArray(error.details)
        ? { details: error.details as Record<string, unknown> }
        : {}),
    };
  }
  if (!parsed || typeof parsed !== 'object')
    return { kind: 'invalid', reason: 'the runner answered no JSON' };
  const guestStatus = parsed.status;
  if (
    typeof guestStatus !== 'number' ||
    !Number.isInteger(guestStatus) ||
    guestStatus < 200 ||
    guestStatus > 599
  ) {
    return { kind: 'invalid', reason: `the guest answered status ${String(guestStatus)}` };
  }
  const headers: Record<string, string | string[]> = {};
  if (parsed.headers && typeof parsed.headers === 'object') {
    for (const [name, value] of Object.entries(parsed.headers as Record<string, unknown>)) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
        headers[name.toLowerCase()] = value;
    }
  }
  const bodyB64 = parsed.body_b64;
  if (bodyB64 !== undefined && bodyB64 !== null && typeof bodyB64 !== 'string') {
    return { kind: 'invalid', reason: 'body_b64 is not a string' };
  }
  return {
    kind: 'response',
    status: guestStatus,
    headers,
    body: bodyB64 ? Buffer.from(bodyB64, 'base64') : Buffer.alloc(0),
    metrics:
      parsed.metrics && typeof parsed.metrics === 'object' ? (parsed.metrics as Record<string, unknown>) : {},
  };
}

/**
 * The registry's one way to reach the runner: `POST {RUNNER_BASE_URL}/v1/execute` with the bearer
 * RUNNER_TOKEN, the request id and the client's idempotency key, bounded in time and answer size.
 * Never throws; every failure is an outcome.
 */
export function createRunnerClient(options: RunnerClientOptions): RunnerClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/v1/execute`;
  return {
    async execute(envelope, { requestId, idempotencyKey }) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${options.token}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
        // The gateway and the event dispatcher write the execution log row themselves.
        'x-annex-recorded-by': 'caller',
      };
      if (idempotencyKey !== undefined) headers['x-idempotency-key'] = idempotencyKey;
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(envelope),
          signal,
        });
        const bytes = await readCapped(response, options.maxAnswerBytes);
        return outcomeOf(response.status, bytes, response.headers.get('retry-after'));
      } catch (err) {
        if (err instanceof TooLarge) return { kind: 'too-large' };
        if (isTimeout(err) || signal.aborted) return { kind: 'timeout' };
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        return { kind: 'unreachable', reason: cause?.code ?? cause?.message ?? (err as Error).message };
      }
    },
  };
}

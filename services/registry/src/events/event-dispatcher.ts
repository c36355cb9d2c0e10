import type { Config } from '@annex/config';
import { withSystem, withTenant, type Database } from '@annex/db';
import type { FastifyBaseLogger } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { executionMetrics, type ExecutionLog } from '../executions/execution-log.js';
import { executeEnvelope } from '../gateway/execute-envelope.js';
import type { InstallTarget } from '../gateway/install-target.js';
import type { RunnerClient, RunnerOutcome } from '../gateway/runner-client.js';
import { stillSubscribed } from './subscriptions.js';

export interface DispatcherSettings {
  /** EXT_EVENT_MAX_ATTEMPTS: attempts per delivery, the first included. */
  maxAttempts: number;
  /** EXT_EVENT_RETRY_DELAY_MS: delay before the first retry; doubled for each later one. */
  retryDelayMs: number;
  /** Longest wait between two looks at the queue (other instances' events are found this late). */
  pollIntervalMs: number;
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  /** How long a claimed delivery is held before another worker may take it (a crashed worker's). */
  leaseMs: number;
}

const POLL_INTERVAL_MS = 1000;
const CONCURRENCY = 3;
/** A lease outlives the runner call it guards (the runner client gives up at EXT_GATEWAY_TIMEOUT_MS). */
const LEASE_MARGIN_MS = 30_000;

/** The dispatcher's settings from the configuration (EXT_EVENT_*). */
export function eventDispatchSettings(config: Config, pollIntervalMs = POLL_INTERVAL_MS): DispatcherSettings {
  return {
    maxAttempts: config.env.EXT_EVENT_MAX_ATTEMPTS,
    retryDelayMs: config.env.EXT_EVENT_RETRY_DELAY_MS,
    pollIntervalMs,
    concurrency: CONCURRENCY,
    leaseMs: config.env.EXT_GATEWAY_TIMEOUT_MS + LEASE_MARGIN_MS,
  };
}

/** Longest wait before a retry, whatever the backoff or a Retry-After asks. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/** A claimed delivery with its event. */
interface ClaimedDelivery {
  id: string;
  tenant_id: string;
  event_id: string;
  install_id: string;
  extension_id: string;
  handler: string | null;
  attempts: number;
  topic: string;
  payload: unknown;
  received_at: Date;
}

/** What one attempt came to. */
export interface AttemptVerdict {
  /** delivered: the guest answered 2xx; retry: may succeed later; failed: will not. */
  result: 'delivered' | 'retry' | 'failed';
  /** The status written to the execution log (the guest's when it answered). */
  status: number;
  /** A short error code; null when the guest answered. */
  error: string | null;
  metrics: Record<string, unknown>;
  /** A lower bound for the next attempt (Retry-After), in ms. */
  retryAfterMs?: number;
}

const RETRYABLE_GUEST = new Set([408, 429]);

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * The delivery contract (docs/events.md): 2xx is delivered; the runner unreachable, a timeout, a
 * runner 5xx or 429 and a guest 5xx, 408 or 429 are retried; any other answer is final.
 */
export function judgeOutcome(outcome: RunnerOutcome): AttemptVerdict {
  switch (outcome.kind) {
    case 'response': {
      const { status, metrics } = outcome;
      if (status >= 200 && status < 300) return { result: 'delivered', status, error: null, metrics };
      if (status >= 500 || RETRYABLE_GUEST.has(status)) {
        const after =
          status === 429 || status === 503 ? retryAfterMs(outcome.headers['retry-after']) : undefined;
        return {
          result: 'retry',
          status,
          error: null,
          metrics,
          ...(after === undefined ? {} : { retryAfterMs: after }),
        };
      }
      return { result: 'failed', status, error: null, metrics };
    }
    case 'error': {
      const retry = outcome.status >= 500 || outcome.status === 429;
      return {
        result: retry ? 'retry' : 'failed',
        status: outcome.status,
        error: outcome.code,
        metrics: {},
        ...(outcome.retryAfterSeconds === undefined
          ? {}
          : { retryAfterMs: outcome.retryAfterSeconds * 1000 }),
      };
    }
    case 'unreachable':
      return { result: 'retry', status: 502, error: 'RUNNER_UNAVAILABLE', metrics: {} };
    case 'timeout':
      return { result: 'retry', status: 504, error: 'GATEWAY_TIMEOUT', metrics: {} };
    case 'invalid':
      return { result: 'retry', status: 502, error: 'RUNNER_ERROR', metrics: {} };
    case 'too-large':
      return { result: 'failed', status: 502, error: 'RESPONSE_TOO_LARGE', metrics: {} };
  }
}

/** The wait before attempt `attempt + 1`: the base delay doubled per earlier retry, at least Retry-After. */
export function retryDelay(settings: Pick<DispatcherSettings, 'retryDelayMs'>, attempt: number, floorMs = 0) {
  const backoff = settings.retryDelayMs * 2 ** Math.min(attempt - 1, 30);
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(backoff, floorMs));
}

/** `evt-<event id>-<delivery>-<attempt>`: within the request id pattern `^[A-Za-z0-9._:-]{1,128}$`. */
export function deliveryRequestId(eventId: string, deliveryId: string, attempt: number): string {
  return `evt-${eventId.slice(0, 96)}-${deliveryId.replace(/-/g, '').slice(0, 12)}-${attempt}`;
}

/**
 * The event dispatcher: a small job queue over `extension_event_delivery` (docs/events.md). Due
 * deliveries are claimed with `FOR UPDATE SKIP LOCKED` under a lease, run through the runner like a
 * gateway call, written to the execution log (one row per attempt), and finished, retried with
 * exponential backoff or given up. Several registry instances share the queue safely.
 */
export function createEventDispatcher(deps: {
  db: Kysely<Database>;
  runner: RunnerClient;
  executions: ExecutionLog;
  /** The tenant's install of an extension (by id), whatever its status; undefined when none. */
  loadTarget: (tenantId: string, extensionId: string) => Promise<InstallTarget | undefined>;
  log: FastifyBaseLogger;
  settings: DispatcherSettings;
}) {
  const { db, runner, executions, loadTarget, log, settings } = deps;
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let again = false;
  let started = false;
  let stopped = false;

  function schedule(ms: number) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(wake, Math.max(0, ms));
    timer.unref();
  }

  function wake(): void {
    if (!started || stopped) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick()
      .catch((err: unknown) => {
        log.error({ err }, 'event dispatch: the queue could not be read');
        schedule(settings.pollIntervalMs);
      })
      .finally(() => {
        ticking = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  }

  async function tick(): Promise<void> {
    clearTimeout(timer);
    const free = settings.concurrency - inFlight.size;
    if (free <= 0) return; // a delivery that finishes wakes the loop
    const claimed = await claim(free);
    for (const job of claimed) {
      const running: Promise<void> = deliver(job)
        .catch(async (err: unknown) => {
          log.error({ err, deliveryId: job.id }, 'event delivery failed unexpectedly; retrying it');
          // A database hiccup: back to the queue with backoff now, not when its lease runs out.
          const last = { status: 503, error: 'DISPATCH_ERROR' };
          await (
            job.attempts < settings.maxAttempts
              ? finish(job, 'pending', last, retryDelay(settings, job.attempts))
              : finish(job, 'failed', last)
          ).catch(() => undefined); // the lease still ends it
        })
        .finally(() => {
          inFlight.delete(running);
          wake();
        });
      inFlight.add(running);
    }
    if (claimed.length === free) {
      again = true; // there may be more due
      return;
    }
    const dueIn = await nextDueInMs();
    // Never spin: a due row not claimed is locked by another worker for a moment.
    schedule(
      dueIn === undefined ? settings.pollIntervalMs : Math.min(settings.pollIntervalMs, Math.max(dueIn, 10)),
    );
  }

  /** Takes up to `limit` due deliveries (pending and due, or running past their lease). */
  async function claim(limit: number): Promise<ClaimedDelivery[]> {
    return withSystem(db, async (trx) => {
      const result = await sql<ClaimedDelivery>`
        with picked as (
          select id from extension_event_delivery
          where (status = 'pending' and run_at <= now()) or (status = 'running' and lease_until <= now())
          order by run_at, id
          limit ${limit}
          for update skip locked
        )
        update extension_event_delivery d
        set status = 'running', attempts = d.attempts + 1, updated_at = now(),
            lease_until = now() + ${settings.leaseMs}::double precision * interval '1 millisecond'
        from picked, extension_event e
        where d.id = picked.id and e.tenant_id = d.tenant_id and e.id = d.event_id
        returning d.id, d.tenant_id, d.event_id, d.install_id, d.extension_id, d.handler, d.attempts,
                  e.topic, e.payload, e.received_at`.execute(trx);
      return result.rows;
    });
  }

  /** Milliseconds until the next delivery is due (a pending run_at or a running lease); undefined: none. */
  async function nextDueInMs(): Promise<number | undefined> {
    const row = await withSystem(db, (trx) =>
      sql<{ ms: number | string | null }>`
        select extract(epoch from (least(
          (select min(run_at) from extension_event_delivery where status = 'pending'),
          (select min(lease_until) from extension_event_delivery where status = 'running')
        ) - clock_timestamp())) * 1000 as ms`.execute(trx),
    );
    const ms = row.rows[0]?.ms;
    return ms === null || ms === undefined ? undefined : Number(ms);
  }

  async function deliver(job: ClaimedDelivery): Promise<void> {
    const startedAt = new Date();
    const attempt = job.attempts;
    const requestId = deliveryRequestId(job.event_id, job.id, attempt);
    const where = { tenantId: job.tenant_id, eventId: job.event_id, deliveryId: job.id, attempt };
    if (attempt > settings.maxAttempts) {
      // Its last attempt's worker died after claiming it: nothing is known of that attempt.
      log.warn({ ...where, installId: job.install_id }, 'event delivery failed: its last attempt was lost');
      // This claim was not an attempt: the count stays at the attempts made.
      await finish(job, 'failed', { status: 504, error: 'ATTEMPT_LOST' }, 0, attempt - 1);
      return;
    }

    const checked = await deliverable(job, await loadTarget(job.tenant_id, job.extension_id));
    if ('refusal' in checked) {
      const { error, reason } = checked.refusal;
      log.warn({ ...where, installId: job.install_id }, `event delivery given up: ${reason}`);
      await record(job, requestId, startedAt, { status: 404, error, metrics: {} });
      await finish(job, 'failed', { status: 404, error });
      return;
    }

    const outcome = await runner.execute(envelopeFor(checked.target, job, requestId), { requestId });
    const verdict = judgeOutcome(outcome);
    await record(job, requestId, startedAt, verdict);
    if (verdict.result === 'delivered') {
      await finish(job, 'delivered', verdict);
    } else if (verdict.result === 'retry' && attempt < settings.maxAttempts) {
      await finish(job, 'pending', verdict, retryDelay(settings, attempt, verdict.retryAfterMs));
    } else {
      log.warn(
        { ...where, installId: job.install_id, status: verdict.status, error: verdict.error },
        verdict.result === 'retry'
          ? `event delivery failed after ${attempt} attempts`
          : 'event delivery failed (not retried)',
      );
      await finish(job, 'failed', verdict);
    }
  }

  /** The install a delivery goes to, or why it can no longer go there (gone, disabled, pending, unsubscribed). */
  async function deliverable(
    job: ClaimedDelivery,
    target: InstallTarget | undefined,
  ): Promise<{ target: InstallTarget } | { refusal: { error: string; reason: string } }> {
    if (!target || target.installId !== job.install_id) {
      return { refusal: { error: 'EXTENSION_NOT_AVAILABLE', reason: 'the install is gone' } };
    }
    if (target.status !== 'enabled') {
      return { refusal: { error: 'EXTENSION_NOT_AVAILABLE', reason: `the install is ${target.status}` } };
    }
    const subscribed = await withTenant(db, job.tenant_id, (trx) =>
      stillSubscribed(trx, job.install_id, job.handler, job.topic, job.payload),
    );
    return subscribed
      ? { target }
      : { refusal: { error: 'NOT_SUBSCRIBED', reason: 'the install no longer subscribes to it' } };
  }

  function envelopeFor(target: InstallTarget, job: ClaimedDelivery, requestId: string) {
    const body = {
      id: job.event_id,
      topic: job.topic,
      payload: job.payload,
      tenantId: job.tenant_id,
      occurredAt: job.received_at.toISOString(),
      attempt: job.attempts,
    };
    const envelope = executeEnvelope(target, {
      requestId,
      method: 'POST',
      path: `/events/${encodeURIComponent(job.topic)}`,
      query: {},
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
      eventId: job.event_id,
    });
    // Added after the allowlist: the gateway never forwards x-annex-* from clients, so a guest can trust them.
    envelope.http.headers = {
      ...envelope.http.headers,
      'x-annex-event-id': job.event_id,
      'x-annex-event-topic': job.topic,
      'x-annex-event-attempt': String(job.attempts),
      ...(job.handler === null ? {} : { 'x-annex-event-handler': job.handler }),
    };
    return envelope;
  }

  async function record(
    job: ClaimedDelivery,
    requestId: string,
    startedAt: Date,
    row: { status: number; error: string | null; metrics: Record<string, unknown> },
  ): Promise<void> {
    const finishedAt = new Date();
    const metrics = {
      ...executionMetrics(row.metrics, finishedAt.getTime() - startedAt.getTime()),
      attempt: job.attempts,
      topic: job.topic,
      ...(job.handler === null ? {} : { handler: job.handler }),
    };
    try {
      await executions.record({
        tenantId: job.tenant_id,
        extensionId: job.extension_id,
        installId: job.install_id,
        requestId,
        eventId: job.event_id,
        source: 'event',
        startedAt,
        finishedAt,
        status: row.status,
        error: row.error,
        metrics,
      });
    } catch (err) {
      log.error({ err, deliveryId: job.id }, 'execution log row not written');
    }
  }

  /** Ends this attempt: only while the claim is still ours (same attempt, still running). */
  async function finish(
    job: ClaimedDelivery,
    status: 'delivered' | 'pending' | 'failed',
    last: { status: number; error: string | null },
    delayMs = 0,
    attempts = job.attempts,
  ): Promise<void> {
    await withSystem(db, (trx) =>
      trx
        .updateTable('extension_event_delivery')
        .set({
          status,
          last_status: last.status,
          last_error: last.error,
          lease_until: null,
          attempts,
          updated_at: sql<Date>`now()`,
          ...(status === 'pending'
            ? { run_at: sql<Date>`now() + ${delayMs}::double precision * interval '1 millisecond'` }
            : {}),
        })
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .where('attempts', '=', job.attempts)
        .execute(),
    );
  }

  return {
    /** Starts polling (the registry calls it once it is ready). */
    start(): void {
      if (started || stopped) return;
      started = true;
      wake();
    },
    /** Looks at the queue now (after this process queued deliveries). */
    wake,
    /** Stops polling and waits for the deliveries in flight to finish. */
    async close(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await ticking;
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type EventDispatcher = ReturnType<typeof createEventDispatcher>;

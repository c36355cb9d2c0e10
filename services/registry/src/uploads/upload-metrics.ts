/**
 * Prometheus instruments of uploads and finalize, on the registry's own registry
 * (`app.metrics.registry`). The `outcome` label is `ok` (or `replayed`: a finalize answered from its
 * stored result) or the error code; nothing names a publisher, an upload or a tenant.
 */
import { Counter, Histogram, outcomeLabel, type Registry } from '@annex/server';
import type { createFinalizer } from './finalize-upload.js';
import type { UploadService } from './upload-service.js';

type Finalize = ReturnType<typeof createFinalizer>;

export interface UploadMetrics {
  initiated: Counter<'outcome'>;
  contentDuration: Histogram<'outcome'>;
  contentBytes: Counter;
  finalized: Counter<'outcome'>;
  finalizeDuration: Histogram<'outcome'>;
}

export function createUploadMetrics(registry: Registry): UploadMetrics {
  const registers = [registry];
  return {
    initiated: new Counter({
      name: 'annex_upload_total',
      help: 'Uploads started (POST /v1/uploads) by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    contentDuration: new Histogram({
      name: 'annex_upload_content_duration_seconds',
      help: 'Bundle bytes streamed through the registry into the store (PUT /v1/uploads/{id}/content) by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    contentBytes: new Counter({
      name: 'annex_upload_bytes_total',
      help: 'Bundle bytes received through the registry (presigned uploads go straight to the store)',
      registers,
    }),
    finalized: new Counter({
      name: 'annex_finalize_total',
      help: 'Finalize calls by outcome (ok, replayed, or the error code)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    finalizeDuration: new Histogram({
      name: 'annex_finalize_duration_seconds',
      help: 'Finalize duration (hashing, archive and manifest checks, store copies, rows) by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
  };
}

const seconds = (since: number) => (performance.now() - since) / 1000;

/** The upload service, with initiate and the streamed content counted and timed. */
export function instrumentUploads(uploads: UploadService, metrics: UploadMetrics): UploadService {
  return {
    ...uploads,
    async initiate(...args) {
      try {
        const started = await uploads.initiate(...args);
        metrics.initiated.inc({ outcome: 'ok' });
        return started;
      } catch (err) {
        metrics.initiated.inc({ outcome: outcomeLabel(err) });
        throw err;
      }
    },
    async receive(...args) {
      const t0 = performance.now();
      try {
        const received = await uploads.receive(...args);
        metrics.contentDuration.observe({ outcome: 'ok' }, seconds(t0));
        metrics.contentBytes.inc(received.size);
        return received;
      } catch (err) {
        metrics.contentDuration.observe({ outcome: outcomeLabel(err) }, seconds(t0));
        throw err;
      }
    },
  };
}

/** Finalize, counted and timed by outcome. */
export function instrumentFinalize(finalize: Finalize, metrics: UploadMetrics): Finalize {
  return async (...args) => {
    const t0 = performance.now();
    let outcome = 'ok';
    try {
      const done = await finalize(...args);
      if (done.replayed) outcome = 'replayed';
      return done;
    } catch (err) {
      outcome = outcomeLabel(err);
      throw err;
    } finally {
      metrics.finalized.inc({ outcome });
      metrics.finalizeDuration.observe({ outcome }, seconds(t0));
    }
  };
}

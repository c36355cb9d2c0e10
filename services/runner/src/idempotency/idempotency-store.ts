/**
 * Idempotency of SPEC sections 6 and 10: a non-GET execute carrying `x-idempotency-key` replays the
 * first answer for the same (tenant, extension, key) within EXT_IDEMPOTENCY_TTL_MS; the same key
 * with a different request is 409 IDEMPOTENCY_KEY_REUSED. A second request arriving while the first
 * is still running waits for it rather than running twice. Only answers the guest produced are
 * kept (runner failures such as 429 or 504 leave the key free for a retry). Memory is bounded by an
 * entry count and a byte budget, oldest first.
 */
import { createHash } from 'node:crypto';
import { runnerErrors } from '../runner-errors.js';

export interface IdempotencyScope {
  tenantId: string;
  extensionId: string;
  key: string;
}

interface Stored {
  fingerprint: string;
  answer: string;
  expiresAt: number;
}

export interface IdempotencyOptions {
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
  /** Answers above this are not kept (default: a sixteenth of maxBytes). */
  maxAnswerBytes?: number;
  now?: () => number;
}

export const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** What makes two requests "the same": method, path, query and body (headers may differ per retry). */
export function requestFingerprint(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export class IdempotencyStore {
  private readonly done = new Map<string, Stored>();
  private readonly running = new Map<string, { fingerprint: string; finished: Promise<void> }>();
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly options: IdempotencyOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Runs `execute` once per key and fingerprint; `answer` is the serialized 200 answer. */
  async run(
    scope: IdempotencyScope,
    fingerprint: string,
    execute: () => Promise<string>,
  ): Promise<{ answer: string; replayed: boolean }> {
    const id = `${scope.tenantId}\u0000${scope.extensionId}\u0000${scope.key}`;
    for (;;) {
      const stored = this.done.get(id);
      if (stored && stored.expiresAt > this.now()) {
        if (stored.fingerprint !== fingerprint) throw runnerErrors.idempotencyKeyReused();
        return { answer: stored.answer, replayed: true };
      }
      if (stored) this.remove(id, stored);
      const running = this.running.get(id);
      if (!running) break;
      if (running.fingerprint !== fingerprint) throw runnerErrors.idempotencyKeyReused();
      await running.finished;
    }
    let finish!: () => void;
    this.running.set(id, { fingerprint, finished: new Promise<void>((resolve) => (finish = resolve)) });
    try {
      const answer = await execute();
      this.keep(id, { fingerprint, answer, expiresAt: this.now() + this.options.ttlMs });
      return { answer, replayed: false };
    } finally {
      this.running.delete(id);
      finish();
    }
  }

  size(): { entries: number; bytes: number } {
    return { entries: this.done.size, bytes: this.bytes };
  }

  private keep(id: string, stored: Stored): void {
    const size = stored.answer.length + id.length;
    if (size > (this.options.maxAnswerBytes ?? this.options.maxBytes / 16)) return;
    this.done.set(id, stored);
    this.bytes += size;
    // Insertion order is expiry order (one TTL for all): drop from the front.
    for (const [oldId, old] of this.done) {
      const expired = old.expiresAt <= this.now();
      if (!expired && this.done.size <= this.options.maxEntries && this.bytes <= this.options.maxBytes) break;
      this.remove(oldId, old);
    }
  }

  private remove(id: string, stored: Stored): void {
    if (this.done.get(id) !== stored) return;
    this.done.delete(id);
    this.bytes -= stored.answer.length + id.length;
  }
}

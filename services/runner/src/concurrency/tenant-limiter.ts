import { runnerErrors } from '../runner-errors.js';

/**
 * Per-tenant cap on calls in progress (running or waiting for a worker), so one tenant cannot take
 * every worker and the whole queue: past it the call is refused at once with 429.
 */
export class TenantLimiter {
  private readonly active = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot for the tenant; the returned function gives it back (idempotent). */
  acquire(tenantId: string): () => void {
    const count = this.active.get(tenantId) ?? 0;
    if (count >= this.max) {
      throw runnerErrors.concurrencyLimit(`tenant ${tenantId} already has ${this.max} calls in progress`);
    }
    this.active.set(tenantId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.active.get(tenantId) ?? 1) - 1;
      if (left === 0) this.active.delete(tenantId);
      else this.active.set(tenantId, left);
    };
  }
}

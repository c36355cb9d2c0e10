import { randomUUID } from 'node:crypto';
import { json, withTenant, type Database, type EventDeliveryStatus } from '@annex/db';
import type { Kysely } from 'kysely';
import type { TenantScope } from '../auth/tenant-access.js';
import { slugOf } from '../catalog/extension-ref.js';
import { RegistryError } from '../registry-error.js';
import { matchingTargets } from './subscriptions.js';

export interface PublishInput {
  topic: string;
  payload: unknown;
  id?: string;
}

export interface PublishResult {
  id: string;
  topic: string;
  /** Deliveries queued (for a duplicate: those its first posting queued). */
  deliveries: number;
  /** True when this id was already received: nothing new is queued. */
  duplicate: boolean;
}

export interface DeliveryView {
  id: string;
  installId: string;
  extension: { id: string; slug: string };
  handler: string | null;
  /** `pending` until the guest answers 2xx (`delivered`) or the delivery is given up (`failed`). */
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
  /** The status of the last attempt (the guest's when it answered) and its error code. */
  lastStatus: number | null;
  lastError: string | null;
  updatedAt: string;
}

export interface EventView {
  id: string;
  topic: string;
  payload: unknown;
  receivedAt: string;
  deliveries: DeliveryView[];
}

/** Deep enough for any real payload; a deeper one is refused before it can exhaust a stack. */
const MAX_PAYLOAD_DEPTH = 64;

/**
 * What jsonb and the dispatcher cannot take, refused up front with a 400 rather than failing later:
 * NUL in strings or keys, and nesting past MAX_PAYLOAD_DEPTH. Iterative, so no payload can overflow
 * the stack of the check itself.
 */
function checkPayload(payload: unknown): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: payload, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) {
        throw new RegistryError('BAD_REQUEST', 'payload strings and keys cannot contain NUL (\\u0000)');
      }
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_PAYLOAD_DEPTH) {
        throw new RegistryError('BAD_REQUEST', `payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`);
      }
      const entries = Array.isArray(value) ? value.map((item) => ['', item] as const) : Object.entries(value);
      for (const [key, item] of entries) {
        stack.push({ value: key, depth }, { value: item, depth: depth + 1 });
      }
    }
  }
}

const viewStatus = (status: EventDeliveryStatus): DeliveryView['status'] =>
  status === 'running' ? 'pending' : status;

/**
 * Events a tenant posts (docs/events.md): recorded once per id, with one queued delivery per
 * matching install and handler, in one tenant transaction, so an event is never recorded without
 * its deliveries (a replay of its id would otherwise lose them).
 */
export function createEventService(deps: {
  db: Kysely<Database>;
  /** Called after a new event committed with deliveries: the dispatcher polls now. */
  onQueued?: () => void;
}) {
  const { db, onQueued } = deps;
  return {
    async publish(scope: TenantScope, input: PublishInput): Promise<PublishResult> {
      checkPayload(input.payload);
      const id = input.id ?? randomUUID();
      const result = await withTenant(db, scope.tenantId, async (trx) => {
        const inserted = await trx
          .insertInto('extension_event')
          .values({ tenant_id: scope.tenantId, id, topic: input.topic, payload: json(input.payload ?? null) })
          .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) {
          const first = await trx
            .selectFrom('extension_event')
            .select(['topic', 'deliveries'])
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          return { id, topic: first.topic, deliveries: first.deliveries, duplicate: true };
        }
        const targets = await matchingTargets(trx, input.topic, input.payload);
        if (targets.length > 0) {
          await trx
            .insertInto('extension_event_delivery')
            .values(
              targets.map((target) => ({
                tenant_id: scope.tenantId,
                event_id: id,
                install_id: target.installId,
                extension_id: target.extensionId,
                handler: target.handler,
                last_status: null,
                last_error: null,
              })),
            )
            .execute();
          await trx
            .updateTable('extension_event')
            .set({ deliveries: targets.length })
            .where('id', '=', id)
            .execute();
        }
        return { id, topic: input.topic, deliveries: targets.length, duplicate: false };
      });
      if (!result.duplicate && result.deliveries > 0) onQueued?.();
      return result;
    },

    async get(scope: TenantScope, id: string): Promise<EventView> {
      return withTenant(db, scope.tenantId, async (trx) => {
        const event = await trx
          .selectFrom('extension_event')
          .select(['id', 'topic', 'payload', 'received_at'])
          .where('id', '=', id)
          .executeTakeFirst();
        if (!event) {
          throw new RegistryError('EVENT_NOT_FOUND', `no event ${JSON.stringify(id)} for this tenant`);
        }
        const rows = await trx
          .selectFrom('extension_event_delivery as d')
          .innerJoin('extension_registry as r', 'r.id', 'd.extension_id')
          .select([
            'd.id',
            'd.install_id',
            'd.extension_id',
            'r.publisher',
            'r.name',
            'd.handler',
            'd.status',
            'd.attempts',
            'd.run_at',
            'd.last_status',
            'd.last_error',
            'd.updated_at',
          ])
          .where('d.event_id', '=', id)
          .orderBy('r.publisher')
          .orderBy('r.name')
          .orderBy('d.handler')
          .execute();
        return {
          id: event.id,
          topic: event.topic,
          payload: event.payload,
          receivedAt: event.received_at.toISOString(),
          deliveries: rows.map((row) => ({
            id: row.id,
            installId: row.install_id,
            extension: { id: row.extension_id, slug: slugOf(row) },
            handler: row.handler,
            status: viewStatus(row.status),
            attempts: row.attempts,
            nextAttemptAt: row.status === 'pending' ? row.run_at.toISOString() : null,
            lastStatus: row.last_status,
            lastError: row.last_error,
            updatedAt: row.updated_at.toISOString(),
          })),
        };
      });
    },
  };
}

export type EventService = ReturnType<typeof createEventService>;

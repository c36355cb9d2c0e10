import type { Manifest } from '@annex/bundle';
import { json, type TenantTransaction } from '@annex/db';
import { sql } from 'kysely';
import { secretNamesByInstall } from '../installs/install-queries.js';
import { missingSecrets } from '../installs/install-views.js';
import { subscriptionMatches } from './event-match.js';

/**
 * An install's event subscriptions are its version's manifest `events[]`: written when the install is
 * created, replaced when its version changes (update, rollback), removed with it (foreign key
 * cascade). Call inside the install's tenant transaction, so they change with the install or not at all.
 */
export async function syncSubscriptions(
  trx: TenantTransaction,
  tenantId: string,
  installId: string,
  manifest: Manifest,
): Promise<void> {
  await trx.deleteFrom('extension_event_subscription').where('tenant_install_id', '=', installId).execute();
  const events = manifest.events ?? [];
  if (events.length === 0) return;
  await trx
    .insertInto('extension_event_subscription')
    .values(
      events.map((event) => ({
        tenant_id: tenantId,
        tenant_install_id: installId,
        event: event.topic,
        filter: event.filter === undefined ? null : json(event.filter),
        handler: event.handler ?? null,
      })),
    )
    .execute();
}

/** Where one event goes: an install and the handler its manifest names (null: none named). */
export interface DeliveryTarget {
  installId: string;
  extensionId: string;
  handler: string | null;
}

/**
 * The deliveries an event makes in the tenant of `trx`: one per install and handler whose
 * subscription matches the topic and the filter, for installs whose effective status is enabled
 * (not disabled, not waiting for a required secret). Several matching subscriptions of one install
 * that name the same handler (or none) make one delivery.
 */
export async function matchingTargets(
  trx: TenantTransaction,
  topic: string,
  payload: unknown,
): Promise<DeliveryTarget[]> {
  // Exact topics are found by the index; patterns (`*`) are few and matched here.
  const rows = await trx
    .selectFrom('extension_event_subscription as s')
    .innerJoin('tenant_extension_install as i', 'i.id', 's.tenant_install_id')
    .innerJoin('extension_version as v', 'v.id', 'i.version_id')
    .select([
      's.tenant_install_id as install_id',
      's.event',
      's.filter',
      's.handler',
      'i.registry_id',
      sql<Manifest['secrets'] | null>`v.manifest -> 'secrets'`.as('secrets'),
    ])
    .where('i.status', '=', 'enabled')
    .where((eb) => eb.or([eb('s.event', '=', topic), eb('s.event', 'like', '%*%')]))
    .orderBy('s.tenant_install_id')
    .orderBy('s.created_at')
    .orderBy('s.id')
    .execute();
  const matched = rows.filter((row) =>
    subscriptionMatches({ topic: row.event, filter: row.filter }, topic, payload),
  );
  if (matched.length === 0) return [];

  const present = await secretNamesByInstall(trx, [...new Set(matched.map((row) => row.install_id))]);

  const targets = new Map<string, DeliveryTarget>();
  for (const row of matched) {
    // Enabled by the query; an install still waiting for a required secret is not (its status: pending).
    const missing = missingSecrets(
      { secrets: row.secrets ?? [] } as Manifest,
      present.get(row.install_id) ?? [],
    );
    if (missing.length > 0) continue;
    const key = `${row.install_id}\u0000${row.handler ?? ''}`;
    if (!targets.has(key)) {
      targets.set(key, { installId: row.install_id, extensionId: row.registry_id, handler: row.handler });
    }
  }
  return [...targets.values()];
}

/**
 * Whether an install still subscribes to an event with this handler (checked again before each
 * attempt: a version change may have dropped the subscription since the event was posted).
 */
export async function stillSubscribed(
  trx: TenantTransaction,
  installId: string,
  handler: string | null,
  topic: string,
  payload: unknown,
): Promise<boolean> {
  const rows = await trx
    .selectFrom('extension_event_subscription')
    .select(['event', 'filter', 'handler'])
    .where('tenant_install_id', '=', installId)
    .execute();
  return rows.some(
    (row) =>
      row.handler === handler &&
      subscriptionMatches({ topic: row.event, filter: row.filter }, topic, payload),
  );
}

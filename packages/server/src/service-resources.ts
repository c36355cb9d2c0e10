import type { Config } from '@annex/config';
import { migrateToLatest, openDatabase, type AnnexDatabase } from '@annex/db';
import { createBundleStore, type BundleStore } from '@annex/store';
import type { ReadinessCheck } from './ops-routes.js';

/** What both services are built from; tests build them from their own (a cloned database, say). */
export interface ServiceResources {
  database: AnnexDatabase;
  store: BundleStore;
}

/** Opens the database and migrates it (under kysely's advisory lock, so replicas may start together). */
export async function openServiceResources(config: Config): Promise<ServiceResources> {
  const database = await openDatabase(config.database);
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  return { database, store: createBundleStore(config.store) };
}

export function readinessChecks(resources: ServiceResources): ReadinessCheck[] {
  return [
    { name: 'database', check: () => resources.database.ping() },
    { name: 'store', check: () => resources.store.ping() },
  ];
}

import type { StoreSettings } from '@annex/config';
import type { BundleStore } from './bundle-store.js';
import { createFilesystemBundleStore } from './filesystem-store.js';
import { createS3BundleStore } from './s3-store.js';

/** The bundle store of the settings: the filesystem under `dir`, or an S3 bucket. */
export function createBundleStore(settings: StoreSettings): BundleStore {
  return settings.kind === 'filesystem'
    ? createFilesystemBundleStore(settings)
    : createS3BundleStore(settings);
}

import { access, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StoreSettings } from '@annex/config';
import { createS3Client } from './s3-client.js';

export interface StoreProbe {
  /** Resolves when the store answers and is usable; rejects with a reason an operator can act on. */
  check(): Promise<void>;
  close(): void;
}

/** Readiness of the bundle store: the filesystem dir is writable, or the S3 bucket answers HeadBucket. */
export function createStoreProbe(settings: StoreSettings): StoreProbe {
  if (settings.kind === 'filesystem') {
    return {
      check: async () => {
        await mkdir(settings.dir, { recursive: true });
        try {
          await access(settings.dir, constants.W_OK);
        } catch {
          throw new Error(`bundle directory ${settings.dir} is not writable`);
        }
      },
      close: () => {},
    };
  }
  let client: S3Client | undefined;
  return {
    check: async () => {
      client ??= createS3Client(settings);
      try {
        await client.send(new HeadBucketCommand({ Bucket: settings.bucket }), {
          abortSignal: AbortSignal.timeout(2500),
        });
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const detail = status ? `HTTP ${status}` : ((err as Error).name ?? 'unreachable');
        throw new Error(`bucket ${settings.bucket} not reachable (${detail})`, { cause: err });
      }
    },
    close: () => client?.destroy(),
  };
}

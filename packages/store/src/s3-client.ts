import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { StoreSettings } from '@annex/config';

type S3Settings = Extract<StoreSettings, { kind: 's3' }>;

/**
 * One S3 client per store settings; credentials come from the settings or the SDK's default chain.
 * `extra` adds client options (the bundle store turns default request checksums off, see s3-store.ts).
 */
export function createS3Client(settings: S3Settings, extra: S3ClientConfig = {}): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.accessKeyId && settings.secretAccessKey
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
    maxAttempts: 3,
    ...extra,
  });
}

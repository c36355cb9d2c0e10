import S3rver from 's3rver';
import type { StoreSettings } from '@annex/config';
import { tempDir } from './temp-dir.js';

export type S3Settings = Extract<StoreSettings, { kind: 's3' }>;

export interface RunningS3rver {
  endpoint: string;
  /** Settings of a store on `bucket` (created at start) with s3rver's default credentials. */
  settings(overrides?: Partial<S3Settings>): S3Settings;
  env(): Record<string, string>;
  close(): Promise<void>;
}

export const BUCKET = 'bundles';

/** s3rver on 127.0.0.1, a port picked by the OS and a fresh directory, with one bucket. */
export async function startS3rver(): Promise<RunningS3rver> {
  const dir = tempDir('annex-s3rver-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir.path,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    /** The same store as environment variables for a service. */
    env: () => ({
      STORAGE_S3_ENDPOINT: endpoint,
      STORAGE_S3_BUCKET: BUCKET,
      STORAGE_S3_ACCESS_KEY: 'S3RVER',
      STORAGE_S3_SECRET_KEY: 'S3RVER',
      STORAGE_S3_FORCE_PATH_STYLE: 'true',
    }),
    settings: (overrides = {}) => ({
      kind: 's3',
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      base: 'sha256/',
      ...overrides,
    }),
    close: async () => {
      await server.close();
      dir.remove();
    },
  };
}

export { createStoreProbe, type StoreProbe } from './probe-store.js';
export { createS3Client } from './s3-client.js';

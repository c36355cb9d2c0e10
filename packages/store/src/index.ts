export { createStoreProbe, type StoreProbe } from './probe-store.js';
export { createS3Client } from './s3-client.js';
export { createBundleStore } from './create-bundle-store.js';
export { createFilesystemBundleStore, type FilesystemStoreSettings } from './filesystem-store.js';
export { createS3BundleStore, type S3StoreSettings, type S3StoreOptions } from './s3-store.js';
export type {
  BundleStore,
  ByteRange,
  CompletedPart,
  CopyOptions,
  CopyResult,
  MultipartUploads,
  ObjectInfo,
  ObjectStream,
  PresignedRequest,
  PresignGetOptions,
  PresignPutOptions,
  WriteOnceResult,
  WriteOptions,
} from './bundle-store.js';
export {
  ContentMeter,
  digestStream,
  meterBody,
  type ContentDigest,
  type StoreBody,
} from './content-meter.js';
export { MAX_PARTS, MIN_PART_SIZE, planParts } from './s3-multipart.js';
export {
  DEFAULT_BASE,
  STAGING_PREFIX,
  assertBase,
  assertUploadId,
  canonicalKey,
  formatContentHash,
  parseContentHash,
  parseStoreKey,
  stagingKey,
  type CanonicalObject,
  type ParsedKey,
} from './store-keys.js';
export {
  InvalidKeyError,
  MultipartUploadError,
  ObjectChangedError,
  ObjectExistsError,
  ObjectNotFoundError,
  RangeNotSatisfiableError,
  StoreError,
  StoreUnavailableError,
  TooLargeError,
} from './store-errors.js';
export {
  createUploadToken,
  verifyUploadToken,
  type UploadTokenCheck,
  type UploadTokenClaims,
  type UploadTokenSecret,
} from './upload-token.js';

export {
  BundleError,
  isBundleError,
  type BundleErrorCode,
  type BundleErrorOptions,
  type ManifestIssue,
} from './bundle-error.js';
export { CAPABILITIES, ALWAYS_GRANTED_CAPABILITIES, isCapability, type Capability } from './capabilities.js';
export {
  ManifestSchema,
  MANIFEST_FIELDS,
  MANIFEST_RUNTIME,
  DEFAULT_ENTRY,
  HTTP_METHODS,
  NAME_PATTERN,
  PUBLISHER_PATTERN,
  SECRET_NAME_PATTERN,
  type Manifest,
  type ManifestInput,
  type ManifestEndpoint,
  type ManifestUi,
  type ManifestEvent,
  type ManifestSecret,
  type ManifestLimits,
} from './manifest-schema.js';
export { validateManifest, parseManifest, type ValidateManifestResult } from './validate-manifest.js';
export { checkBundleFiles } from './check-bundle-files.js';
export { compileConfigSchema, type CompiledConfigSchema } from './config-schema.js';
export { endpointPathProblem, endpointRouteKey } from './endpoint-path.js';
export { isSafeRelativePath, unsafePathReason, normalizeEntryName } from './bundle-path.js';
export {
  parseContentHash,
  isContentHash,
  contentHashHex,
  contentHashOfBytes,
  contentHashOfStream,
  contentHashOfFile,
  ContentHasher,
  type ContentHash,
} from './content-hash.js';
export { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './archive-limits.js';
export {
  readBundle,
  type BundleSource,
  type BundleInfo,
  type BundleFile,
  type BundleEntry,
  type ReadBundleOptions,
} from './read-bundle.js';
export { inspectBundle } from './inspect-bundle.js';
export { unpackBundle, type UnpackResult } from './unpack-bundle.js';
export { packBundle, type PackOptions, type PackProgress, type PackResult } from './pack-bundle.js';
export { defaultZstdDecoder, type ZstdDecoderName } from './zstd-decode.js';
export { ZSTD_LEVEL, ZSTD_FRAME_BYTES } from './zstd-encode.js';
export {
  SignatureDocumentSchema,
  SIGNATURE_ALGORITHMS,
  SIGNING_DOMAIN,
  parseSignatureDocument,
  signingMessage,
  type SignatureDocument,
  type SignatureAlgorithm,
} from './signature-document.js';
export { generateSigningKeyPair, keyIdOf, type SigningKeyPair } from './signing-key.js';
export { splitPemBlocks, type PemBlock } from './pem-blocks.js';
export { signBundle, type SignOptions } from './sign-bundle.js';
export {
  parseTrustBundle,
  readTrustBundlePem,
  loadTrustBundle,
  trustBundleFromPem,
  type TrustBundle,
} from './trust-bundle.js';
export {
  verifySignature,
  CODE_SIGNING_EKU,
  type VerifiedSignature,
  type VerifyOptions,
} from './verify-signature.js';
export {
  signaturePolicy,
  type SignatureStatus,
  type SignatureOutcome,
  type SignaturePolicyInput,
} from './signature-policy.js';

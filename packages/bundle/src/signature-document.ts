/**
 * The signature document (`bundle.sig`, SPEC sections 4 and 10) and the exact bytes it signs.
 * The document is closed (unknown fields are refused): `v` is the version, and a new field means
 * a new `v`, so an old verifier never half-understands a newer document.
 */
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { BundleError, type ManifestIssue } from './bundle-error.js';
import { joinPath } from './config-schema.js';
import { parseContentHash } from './content-hash.js';

export const SIGNATURE_ALGORITHMS = ['ed25519', 'ecdsa-p256'] as const;
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

/** Domain separation: these bytes mean "this bundle", never anything else a key might sign. */
export const SIGNING_DOMAIN = 'annex-bundle-v1';

export const SignatureDocumentSchema = Type.Object(
  {
    v: Type.Literal(1),
    alg: Type.Enum([...SIGNATURE_ALGORITHMS]),
    /** SHA-256 hex of the signing key's SubjectPublicKeyInfo DER. */
    keyId: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** Ed25519: 64 raw bytes; ECDSA P-256: DER over SHA-256 of the message. Base64. */
    sig: Type.String({ pattern: '^[A-Za-z0-9+/]+={0,2}$', minLength: 4, maxLength: 256 }),
    /** PEM SPKI; carried by raw-key signatures. */
    publicKey: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** PEM certificates, leaf first; the root may be omitted. */
    certChain: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 16_384 }), { minItems: 1, maxItems: 8 }),
    ),
  },
  { additionalProperties: false },
);

export type SignatureDocument = Static<typeof SignatureDocumentSchema>;

/** The UTF-8 bytes of `annex-bundle-v1\n<content hash>`. */
export function signingMessage(contentHash: string): Buffer {
  return Buffer.from(`${SIGNING_DOMAIN}\n${parseContentHash(contentHash)}`, 'utf8');
}

/** Accepts the document as an object, JSON text or bytes; SIGNATURE_INVALID when malformed. */
export function parseSignatureDocument(input: unknown): SignatureDocument {
  let json = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      json = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
    } catch {
      throw malformed([{ path: '', message: 'not valid JSON' }]);
    }
  }
  const issues: ManifestIssue[] = [];
  if (!Value.Check(SignatureDocumentSchema, json)) {
    for (const error of Value.Errors(SignatureDocumentSchema, json)) {
      if (error.keyword === 'additionalProperties') continue;
      const message = error.keyword === 'boolean' ? 'unknown field' : error.message;
      issues.push({ path: joinPath('', error.instancePath), message });
    }
    throw malformed(issues);
  }
  const doc = json as SignatureDocument;
  if (doc.sig.length % 4 !== 0) throw malformed([{ path: 'sig', message: 'is not valid base64' }]);
  if (doc.publicKey === undefined && doc.certChain === undefined) {
    throw malformed([{ path: '', message: 'needs publicKey (raw key) or certChain (certificate)' }]);
  }
  return doc;
}

function malformed(issues: ManifestIssue[]): BundleError {
  const first = issues[0];
  const where = first ? ` (${first.path || 'document'}: ${first.message})` : '';
  return new BundleError('SIGNATURE_INVALID', `Malformed signature document${where}`, { issues });
}

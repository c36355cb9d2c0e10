/**
 * verifySignature: does this document prove that its signer signed exactly this content hash,
 * and (with a trust bundle) is that signer trusted? Every check binds the document to this
 * artifact: the message carries the hash, the key id must be the key's, the algorithm must be
 * the key's. A signature that fails any of those is SIGNATURE_INVALID whether or not a trust
 * bundle is configured; a valid one from an unknown signer is SIGNER_UNTRUSTED.
 */
import { verify, type KeyObject, type X509Certificate } from 'node:crypto';
import { BundleError } from './bundle-error.js';
import { parseContentHash } from './content-hash.js';
import { cachedCertificate, cachedPublicKey } from './key-cache.js';
import { splitPemBlocks } from './pem-blocks.js';
import { parseSignatureDocument, signingMessage, type SignatureAlgorithm } from './signature-document.js';
import { algorithmOfKey, digestFor, keyIdOf } from './signing-key.js';
import { trustBundleFromPem, type TrustBundle } from './trust-bundle.js';

export const CODE_SIGNING_EKU = '1.3.6.1.5.5.7.3.3';

export interface VerifiedSignature {
  status: 'verified' | 'unverified';
  alg: SignatureAlgorithm;
  keyId: string;
  /** The leaf certificate's subject, or `key:<keyId>` for a raw key. */
  signer: string;
}

export interface VerifyOptions {
  /** The moment certificates must be valid at (tests); defaults to now. */
  now?: Date;
}

export function verifySignature(
  document: unknown,
  contentHash: string,
  trust?: TrustBundle | string | null,
  options: VerifyOptions = {},
): VerifiedSignature {
  const hash = parseContentHash(contentHash);
  const doc = parseSignatureDocument(document);

  const chain = (doc.certChain ?? []).map((pem, i) => certificateAt(pem, i));
  let key: KeyObject;
  if (chain[0]) {
    key = chain[0].publicKey;
  } else {
    try {
      key = cachedPublicKey(doc.publicKey as string);
    } catch {
      throw invalid('publicKey is not a PEM public key');
    }
  }
  const keyId = keyIdOf(key);
  if (doc.publicKey !== undefined && chain[0]) {
    let carried: KeyObject;
    try {
      carried = cachedPublicKey(doc.publicKey);
    } catch {
      throw invalid('publicKey is not a PEM public key');
    }
    if (keyIdOf(carried) !== keyId) throw invalid('publicKey is not the key of the leaf certificate');
  }
  const keyAlg = algorithmOfKey(key);
  if (!keyAlg) throw invalid('the signing key is neither Ed25519 nor ECDSA P-256');
  if (keyAlg !== doc.alg) throw invalid(`alg is ${doc.alg} but the key is ${keyAlg}`);
  if (keyId !== doc.keyId) throw invalid(`keyId ${doc.keyId} is not the id of the signing key (${keyId})`);

  const signature = Buffer.from(doc.sig, 'base64');
  let ok: boolean;
  try {
    ok = verify(digestFor(doc.alg), signingMessage(hash), key, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw invalid(`the signature does not verify for ${hash} with key ${keyId}`);

  const signer = chain[0] ? subjectOf(chain[0]) : `key:${keyId}`;
  const result = { alg: doc.alg, keyId, signer };
  if (trust === undefined || trust === null) return { status: 'unverified', ...result };

  const bundle = typeof trust === 'string' ? trustBundleFromPem(trust) : trust;
  if (bundle.keys.has(keyId)) return { status: 'verified', ...result };
  if (chain.length === 0) throw untrusted(signer, `key ${keyId} is not in the trust bundle`);
  const reason = chainProblem(chain, bundle, options.now ?? new Date());
  if (reason) throw untrusted(signer, reason);
  return { status: 'verified', ...result };
}

/**
 * Why the chain does not lead to a trust anchor, or undefined when it does. Walks leaf → root:
 * each certificate must be in its validity period; the walk ends at a certificate that is itself
 * in the trust bundle or was issued (name and signature) by one; otherwise the next certificate
 * of the chain must have issued it and be a CA.
 */
function chainProblem(chain: X509Certificate[], bundle: TrustBundle, now: Date): string | undefined {
  const leaf = chain[0] as X509Certificate;
  const usages = leaf.keyUsage; // extended key usage OIDs; undefined when the extension is absent
  if (Array.isArray(usages) && usages.length > 0 && !usages.includes(CODE_SIGNING_EKU)) {
    return 'the leaf certificate does not allow code signing (extended key usage)';
  }
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i] as X509Certificate;
    const period = validityProblem(cert, now);
    if (period) return period;
    if (bundle.certificates.some((anchor) => anchor.fingerprint256 === cert.fingerprint256)) return undefined;
    const anchor = bundle.certificates.find((candidate) => issuedBy(cert, candidate));
    if (anchor) return validityProblem(anchor, now);
    const next = chain[i + 1];
    if (!next) return 'the certificate chain does not lead to a certificate in the trust bundle';
    if (!issuedBy(cert, next)) return `certChain[${i + 1}] did not issue certChain[${i}]`;
  }
  return 'the certificate chain does not lead to a certificate in the trust bundle';
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function validityProblem(cert: X509Certificate, now: Date): string | undefined {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (Number.isNaN(from) || Number.isNaN(to))
    return `certificate ${subjectOf(cert)} has an unreadable validity period`;
  if (now.getTime() < from) return `certificate ${subjectOf(cert)} is not valid before ${cert.validFrom}`;
  if (now.getTime() > to) return `certificate ${subjectOf(cert)} expired on ${cert.validTo}`;
  return undefined;
}

function certificateAt(pem: string, index: number): X509Certificate {
  const blocks = splitPemBlocks(pem);
  if (blocks.length !== 1 || blocks[0]?.label !== 'CERTIFICATE') {
    throw invalid(`certChain[${index}] must be exactly one PEM certificate`);
  }
  try {
    return cachedCertificate(blocks[0].pem);
  } catch {
    throw invalid(`certChain[${index}] is not a readable certificate`);
  }
}

/** `CN=Acme Signing, O=Acme` from node's one-attribute-per-line form. */
function subjectOf(cert: X509Certificate): string {
  return cert.subject.split('\n').filter(Boolean).join(', ');
}

function invalid(reason: string): BundleError {
  return new BundleError('SIGNATURE_INVALID', `Invalid signature: ${reason}`);
}

function untrusted(signer: string, reason: string): BundleError {
  return new BundleError('SIGNER_UNTRUSTED', `Signer ${signer} is not trusted: ${reason}`, {
    details: { signer },
  });
}

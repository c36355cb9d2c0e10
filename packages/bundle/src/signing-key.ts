/**
 * Signing keys: generation, the key id (SHA-256 hex of the SPKI DER, SPEC section 4), and which
 * signature algorithm a key implies. Only Ed25519 and ECDSA P-256 are accepted.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { BundleError } from './bundle-error.js';
import type { SignatureAlgorithm } from './signature-document.js';

export interface SigningKeyPair {
  alg: SignatureAlgorithm;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
  keyId: string;
}

export function generateSigningKeyPair(alg: SignatureAlgorithm = 'ed25519'): SigningKeyPair {
  const { publicKey, privateKey } =
    alg === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    alg,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    keyId: keyIdOf(publicKey),
  };
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The algorithm a key signs with, or undefined for any other key type or curve. */
export function algorithmOfKey(key: KeyObject): SignatureAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ecdsa-p256';
  return undefined;
}

/** node:crypto's digest argument: none for Ed25519 (it hashes internally), SHA-256 for ECDSA. */
export function digestFor(alg: SignatureAlgorithm): string | null {
  return alg === 'ed25519' ? null : 'sha256';
}

export function invalidKey(message: string): BundleError {
  return new BundleError('INVALID_KEY', message);
}

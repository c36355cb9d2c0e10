/**
 * The trust bundle (SIGNING_TRUST_BUNDLE): PEM text with `PUBLIC KEY` and/or `CERTIFICATE`
 * blocks. A signer is trusted when its key is one of the keys, or its certificate chains to one
 * of the certificates (verify-signature.ts).
 */
import { readFileSync } from 'node:fs';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { BundleError } from './bundle-error.js';
import { cachedCertificate, cachedPublicKey } from './key-cache.js';
import { splitPemBlocks } from './pem-blocks.js';
import { algorithmOfKey, keyIdOf } from './signing-key.js';

export interface TrustBundle {
  /** Trusted signing keys by key id. */
  keys: Map<string, KeyObject>;
  /** Trust anchors: a signer certificate is trusted when it is one of these or chains to one. */
  certificates: X509Certificate[];
}

export function parseTrustBundle(pemText: string): TrustBundle {
  const blocks = splitPemBlocks(pemText);
  if (blocks.length === 0) throw invalidTrust('it holds no PEM block');
  const bundle: TrustBundle = { keys: new Map(), certificates: [] };
  blocks.forEach((block, i) => {
    try {
      if (block.label === 'PUBLIC KEY') {
        const key = cachedPublicKey(block.pem);
        if (!algorithmOfKey(key)) throw new Error('only Ed25519 and ECDSA P-256 keys can sign bundles');
        bundle.keys.set(keyIdOf(key), key);
      } else if (block.label === 'CERTIFICATE') {
        bundle.certificates.push(cachedCertificate(block.pem));
      } else {
        // A private key here is a leak waiting to happen; anything else is a mistake.
        throw new Error(`a ${block.label} block does not belong in a trust bundle`);
      }
    } catch (err) {
      throw invalidTrust(`block ${i + 1} (${block.label}): ${(err as Error).message}`);
    }
  });
  return bundle;
}

/**
 * Resolves SIGNING_TRUST_BUNDLE's value to PEM text: inline PEM (escaped `\n` allowed, for
 * one-line environment variables) or the path of a PEM file. Same rules as @annex/config.
 */
export function readTrustBundlePem(pathOrInline: string): string {
  if (pathOrInline.includes('-----BEGIN')) return pathOrInline.replace(/\\n/g, '\n');
  try {
    return readFileSync(pathOrInline, 'utf8');
  } catch (err) {
    throw invalidTrust(
      `${pathOrInline} is neither inline PEM nor a readable file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

export function loadTrustBundle(pathOrInline: string): TrustBundle {
  return parseTrustBundle(readTrustBundlePem(pathOrInline));
}

const parsedByText = new Map<string, TrustBundle>();

/** For callers holding PEM text (config.trustBundlePem): parse once per distinct text. */
export function trustBundleFromPem(pemText: string): TrustBundle {
  let bundle = parsedByText.get(pemText);
  if (!bundle) {
    bundle = parseTrustBundle(pemText);
    if (parsedByText.size >= 8) parsedByText.clear();
    parsedByText.set(pemText, bundle);
  }
  return bundle;
}

function invalidTrust(reason: string): BundleError {
  return new BundleError('INVALID_TRUST_BUNDLE', `Invalid trust bundle: ${reason}`);
}

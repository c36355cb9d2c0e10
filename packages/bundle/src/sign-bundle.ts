/**
 * signBundle: a content hash and a private key → the signature document. With a certificate
 * chain the document carries the chain (leaf first) and the leaf must hold the signing key;
 * without one it carries the public key, so any verifier can check the signature itself.
 */
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { cachedCertificate } from './key-cache.js';
import { splitPemBlocks } from './pem-blocks.js';
import { signingMessage, type SignatureDocument } from './signature-document.js';
import { algorithmOfKey, digestFor, invalidKey, keyIdOf } from './signing-key.js';

export interface SignOptions {
  /** PEM certificates, leaf first (an array, or one text with several blocks). */
  certChain?: string | string[];
}

export function signBundle(
  contentHash: string,
  privateKeyPem: string | KeyObject,
  options: SignOptions = {},
): SignatureDocument {
  let privateKey: KeyObject;
  try {
    privateKey = typeof privateKeyPem === 'string' ? createPrivateKey(privateKeyPem) : privateKeyPem;
  } catch (err) {
    throw invalidKey(`Cannot read the private key: ${(err as Error).message}`);
  }
  if (privateKey.type !== 'private') throw invalidKey('A private key is required to sign');
  const alg = algorithmOfKey(privateKey);
  if (!alg) throw invalidKey('Bundles are signed with Ed25519 or ECDSA P-256 keys');
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);

  const chain = certificateChain(options.certChain);
  if (chain.length > 0) {
    const leaf = cachedCertificate(chain[0] as string);
    if (keyIdOf(leaf.publicKey) !== keyId) {
      throw invalidKey('The first certificate of the chain does not hold the signing key');
    }
  }
  const sig = sign(digestFor(alg), signingMessage(contentHash), privateKey).toString('base64');
  return chain.length > 0
    ? { v: 1, alg, keyId, sig, certChain: chain }
    : { v: 1, alg, keyId, sig, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

function certificateChain(input: SignOptions['certChain']): string[] {
  if (input === undefined) return [];
  const texts = Array.isArray(input) ? input : [input];
  const chain: string[] = [];
  for (const text of texts) {
    for (const block of splitPemBlocks(text)) {
      if (block.label !== 'CERTIFICATE')
        throw invalidKey(`The certificate chain holds a ${block.label} block`);
      chain.push(block.pem);
    }
  }
  if (texts.length > 0 && chain.length === 0) throw invalidKey('The certificate chain holds no certificate');
  return chain;
}

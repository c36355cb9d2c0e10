/**
 * Parsed keys and certificates, cached by their PEM text. Parsing PEM costs as much as an Ed25519
 * verification itself (FACTS), and the runner re-verifies on first use of every hash.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

const MAX_ENTRIES = 512;

class Lru<V> {
  readonly #map = new Map<string, V>();

  get(key: string, make: () => V): V {
    const hit = this.#map.get(key);
    if (hit !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, hit);
      return hit;
    }
    const value = make();
    this.#map.set(key, value);
    if (this.#map.size > MAX_ENTRIES) this.#map.delete(this.#map.keys().next().value as string);
    return value;
  }
}

const publicKeys = new Lru<KeyObject>();
const certificates = new Lru<X509Certificate>();

export function cachedPublicKey(pem: string): KeyObject {
  return publicKeys.get(pem, () => createPublicKey(pem));
}

export function cachedCertificate(pem: string): X509Certificate {
  return certificates.get(pem, () => new X509Certificate(pem));
}

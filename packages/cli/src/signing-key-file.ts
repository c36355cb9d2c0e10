import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { credentialsPath } from './credentials.js';

/** Where `annex keygen` puts the publisher's signing key unless told otherwise. */
export function defaultSigningKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.ANNEX_SIGNING_KEY ?? join(dirname(credentialsPath(env)), 'signing-key.pem');
}

export function publicKeyPathFor(privateKeyPath: string): string {
  return privateKeyPath.replace(/(\.pem)?$/, '.pub.pem');
}

/** The signing key to use: the one given, else the default one when it exists. */
export function findSigningKey(given?: string): string | undefined {
  if (given) return given;
  const path = defaultSigningKeyPath();
  return existsSync(path) ? path : undefined;
}

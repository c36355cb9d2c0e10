import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Secrets an operator did not set, generated once and kept in DATA_DIR/secrets (mode 0600), so the
 * embedded default needs no set-up and survives restarts with the same keys and tokens.
 */
export type LocalSecretName = 'admin-token' | 'runner-token' | 'secrets-kek';

const GENERATORS: Record<LocalSecretName, () => string> = {
  'admin-token': () => `annex_admin_${randomBytes(24).toString('base64url')}`,
  'runner-token': () => randomBytes(32).toString('base64url'),
  'secrets-kek': () => randomBytes(32).toString('base64'),
};

export function localSecretPath(dataDir: string, name: LocalSecretName): string {
  return join(dataDir, 'secrets', name);
}

export function readOrCreateLocalSecret(dataDir: string, name: LocalSecretName): string {
  const path = localSecretPath(dataDir, name);
  try {
    const value = readFileSync(path, 'utf8').trim();
    if (value) return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
  const value = GENERATORS[name]();
  // 'wx' so two processes starting at once cannot both write: the loser reads the winner's value.
  try {
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw err;
  }
  chmodSync(path, 0o600);
  return value;
}

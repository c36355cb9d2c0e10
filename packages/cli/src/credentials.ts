import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Credentials {
  registry: string;
  apiKey: string;
}

/** Where `annex login` keeps the registry URL and key: ANNEX_CONFIG_DIR, else XDG config, else ~/.config. */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.ANNEX_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'annex');
  return join(dir, 'credentials.json');
}

export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  try {
    const value = JSON.parse(readFileSync(credentialsPath(env), 'utf8')) as Partial<Credentials>;
    return typeof value.registry === 'string' && typeof value.apiKey === 'string'
      ? { registry: value.registry, apiKey: value.apiKey }
      : undefined;
  } catch {
    return undefined;
  }
}

export function writeCredentials(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  const path = credentialsPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode otherwise
  return path;
}

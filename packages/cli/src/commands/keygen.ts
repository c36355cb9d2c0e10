import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBundle } from '../lazy-modules.js';
import { CliError, EXIT, type Output } from '../output.js';
import { defaultSigningKeyPath, publicKeyPathFor } from '../signing-key-file.js';

/** `annex keygen`: an Ed25519 or P-256 signing key pair; prints the key id. */
export function registerKeygen(program: Command, output: () => Output): void {
  program
    .command('keygen')
    .description('create a signing key pair (the private key stays on this machine)')
    .option('--alg <alg>', 'ed25519 or p256', 'ed25519')
    .option('-o, --out <file>', 'private key file (default: the annex config folder, or ANNEX_SIGNING_KEY)')
    .option('--force', 'replace an existing key')
    .action(async (opts: { alg: string; out?: string; force?: boolean }) => {
      const alg =
        opts.alg === 'ed25519'
          ? 'ed25519'
          : opts.alg === 'p256' || opts.alg === 'ecdsa-p256'
            ? 'ecdsa-p256'
            : undefined;
      if (!alg) throw new CliError('--alg must be ed25519 or p256', EXIT.usage, 'USAGE');
      const privatePath = resolve(opts.out ?? defaultSigningKeyPath());
      const publicPath = publicKeyPathFor(privatePath);
      if (existsSync(privatePath) && !opts.force) {
        throw new CliError(
          `${privatePath} exists; pass --force to replace it (bundles signed with it stay valid)`,
          EXIT.usage,
          'KEY_EXISTS',
        );
      }
      const pair = (await loadBundle()).generateSigningKeyPair(alg);
      mkdirSync(dirname(privatePath), { recursive: true, mode: 0o700 });
      writeFileSync(privatePath, pair.privateKeyPem, { mode: 0o600 });
      writeFileSync(publicPath, pair.publicKeyPem, { mode: 0o644 });
      output().result(
        { alg: pair.alg, keyId: pair.keyId, privateKey: privatePath, publicKey: publicPath },
        [
          `key id ${pair.keyId} (${pair.alg})`,
          `  private key ${privatePath} (keep it secret)`,
          `  public key  ${publicPath} (give it to registry operators for SIGNING_TRUST_BUNDLE)`,
        ].join('\n'),
      );
    });
}

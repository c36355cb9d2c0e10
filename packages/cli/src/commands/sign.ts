import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBundle } from '../lazy-modules.js';
import { CliError, EXIT, type Output } from '../output.js';
import { findSigningKey } from '../signing-key-file.js';
import { DEFAULT_BUNDLE } from './pack.js';

/** Signs a bundle file; shared by `sign` and `publish`. */
export async function signFile(bundle: string, keyFile: string, certFile?: string) {
  const { contentHashOfFile, isBundleError, signBundle } = await loadBundle();
  const contentHash = await contentHashOfFile(bundle);
  try {
    const certChain = certFile ? readFileSync(certFile, 'utf8') : undefined;
    return {
      contentHash,
      document: signBundle(contentHash, readFileSync(keyFile, 'utf8'), certChain ? { certChain } : {}),
    };
  } catch (err) {
    if (isBundleError(err)) throw new CliError(`cannot sign: ${err.message}`, EXIT.failed, err.code);
    throw err;
  }
}

/** `annex sign [bundle] [--key file]`: writes `<bundle>.sig`. */
export function registerSign(program: Command, output: () => Output): void {
  program
    .command('sign [bundle]')
    .description(`sign a bundle; writes <bundle>.sig (default bundle: ./${DEFAULT_BUNDLE})`)
    .option('--key <file>', 'private key (default: the key from `annex keygen`)')
    .option('--cert <file>', 'PEM certificate chain for the key, leaf first')
    .action(async (bundle: string | undefined, opts: { key?: string; cert?: string }) => {
      const file = resolve(bundle ?? DEFAULT_BUNDLE);
      if (!existsSync(file))
        throw new CliError(`no bundle at ${file}; run \`annex pack\` first`, EXIT.usage, 'NO_BUNDLE');
      const key = findSigningKey(opts.key);
      if (!key)
        throw new CliError('no signing key: run `annex keygen` or pass --key <file>', EXIT.usage, 'NO_KEY');
      const { contentHash, document } = await signFile(file, key, opts.cert);
      const sigFile = `${file}.sig`;
      writeFileSync(sigFile, `${JSON.stringify(document, null, 2)}\n`);
      output().result(
        { signature: sigFile, contentHash, keyId: document.keyId, alg: document.alg },
        `signed ${contentHash}\n  key ${document.keyId} (${document.alg}) → ${sigFile}`,
      );
    });
}

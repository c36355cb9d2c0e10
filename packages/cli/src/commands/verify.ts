import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BundleInfo } from '@annex/bundle';
import type { Command } from 'commander';
import { loadBundle } from '../lazy-modules.js';
import { CliError, EXIT, type Output } from '../output.js';
import { DEFAULT_BUNDLE } from './pack.js';

interface Check {
  check: 'archive' | 'manifest' | 'signature';
  ok: boolean;
  detail: string;
  code?: string;
}

/**
 * `annex verify`: the checks the registry runs at finalize and the runner before first use, as a
 * pre-deploy audit: content hash, archive rules, manifest, signature against a trust bundle.
 */
export function registerVerify(program: Command, output: () => Output): void {
  program
    .command('verify [bundle]')
    .description(`check a bundle as the registry will (default: ./${DEFAULT_BUNDLE})`)
    .option('--sig <file>', 'signature document (default: <bundle>.sig when present)')
    .option(
      '--trust <file>',
      'trust bundle PEM (public keys and/or CA certificates): the signature must chain to it',
    )
    .action(async (bundle: string | undefined, opts: { sig?: string; trust?: string }) => {
      const out = output();
      const file = resolve(bundle ?? DEFAULT_BUNDLE);
      if (!existsSync(file))
        throw new CliError(`no bundle at ${file}; run \`annex pack\` first`, EXIT.usage, 'NO_BUNDLE');
      const { inspectBundle, isBundleError, loadTrustBundle, signaturePolicy } = await loadBundle();
      const checks: Check[] = [];
      let info: BundleInfo | undefined;
      try {
        info = await inspectBundle(file);
        checks.push({
          check: 'archive',
          ok: true,
          detail: `${info.files.length} files, ${info.totalSize} bytes unpacked, ${info.contentHash}`,
        });
        checks.push({
          check: 'manifest',
          ok: true,
          detail: `${info.manifest.publisher}.${info.manifest.name}@${info.manifest.version}`,
        });
      } catch (err) {
        if (!isBundleError(err)) throw err;
        const issues = err.issues?.map((i) => `${i.path || '(manifest)'}: ${i.message}`).join('; ');
        checks.push({
          check: err.code === 'INVALID_MANIFEST' ? 'manifest' : 'archive',
          ok: false,
          code: err.code,
          detail: issues ? `${err.message} (${issues})` : err.message,
        });
      }
      if (info) {
        const sigFile = opts.sig ?? (existsSync(`${file}.sig`) ? `${file}.sig` : undefined);
        try {
          const trust = opts.trust ? loadTrustBundle(resolve(opts.trust)) : null;
          const signature = sigFile ? JSON.parse(readFileSync(sigFile, 'utf8')) : undefined;
          const outcome = signaturePolicy({ contentHash: info.contentHash, signature, trust });
          checks.push({
            check: 'signature',
            ok: true,
            detail:
              outcome.status === 'unsigned'
                ? 'unsigned (no trust bundle given, so accepted)'
                : `${outcome.status}: ${outcome.signer} (${outcome.alg})`,
          });
        } catch (err) {
          if (err instanceof SyntaxError)
            checks.push({
              check: 'signature',
              ok: false,
              code: 'SIGNATURE_INVALID',
              detail: `${sigFile} is not JSON`,
            });
          else if (isBundleError(err))
            checks.push({ check: 'signature', ok: false, code: err.code, detail: err.message });
          else throw err;
        }
      }
      const ok = checks.every((c) => c.ok);
      out.result(
        { ok, bundle: file, contentHash: info?.contentHash ?? null, checks },
        [
          ...checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.check}: ${c.detail}`),
          ok ? 'bundle OK' : 'bundle REJECTED',
        ].join('\n'),
      );
      if (!ok) process.exitCode = EXIT.failed;
    });
}

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBundle } from '../lazy-modules.js';
import { CliError, EXIT, type Output } from '../output.js';
import { byteProgress } from '../progress.js';
import {
  connect,
  explainApiError,
  withConnectionOptions,
  type ConnectionOptions,
} from '../registry-connection.js';
import { findSigningKey } from '../signing-key-file.js';
import { putFileRange } from '../upload-file.js';
import { packProject } from './pack.js';
import { signFile } from './sign.js';

type Initiated =
  | { uploadId: string; method: 'PUT'; url: string; headers: Record<string, string> }
  | { uploadId: string; multipart: { partSize: number; parts: { partNumber: number; url: string }[] } };

/** `annex publish [dir|bundle]`: pack if needed, sign if a key is at hand, upload, finalize. */
export function registerPublish(program: Command, output: () => Output): void {
  withConnectionOptions(program.command('publish [source]'))
    .description('publish a project folder or a bundle.tar.zst to the registry')
    .option('--sig <file>', 'signature document (default: <bundle>.sig when present)')
    .option(
      '--signing-key <file>',
      'sign with this key (default: the key from `annex keygen`, when there is one)',
    )
    .option('--no-sign', 'publish unsigned even when a signing key exists')
    .action(
      async (
        source: string | undefined,
        opts: ConnectionOptions & { sig?: string; signingKey?: string; sign: boolean },
      ) => {
        const out = output();
        const client = connect(opts);
        const path = resolve(source ?? '.');
        if (!existsSync(path)) throw new CliError(`${path} does not exist`, EXIT.usage, 'USAGE');
        let work: string | undefined;
        try {
          let bundle = path;
          if (statSync(path).isDirectory()) {
            work = mkdtempSync(join(tmpdir(), 'annex-publish-'));
            bundle = join(work, 'bundle.tar.zst');
            out.info(`packing ${path}`);
            await packProject(path, bundle, out);
          }
          const size = statSync(bundle).size;
          const contentHash = await (await loadBundle()).contentHashOfFile(bundle);

          let signature: unknown;
          const sigFile = opts.sig ?? (existsSync(`${bundle}.sig`) ? `${bundle}.sig` : undefined);
          if (sigFile) {
            signature = JSON.parse(readFileSync(sigFile, 'utf8'));
          } else if (opts.sign) {
            const key = findSigningKey(opts.signingKey);
            if (key) signature = (await signFile(bundle, key)).document;
          }

          const init = await client
            .call<Initiated>('POST', '/v1/uploads', {
              body: { size, sha256: contentHash, filename: 'bundle.tar.zst' },
            })
            .catch(explainApiError);
          const bar = byteProgress('uploading', size, !out.json);
          let sent = 0;
          const tick = (n: number) => bar.update((sent += n));
          try {
            if ('multipart' in init) {
              const parts = [];
              for (const part of init.multipart.parts) {
                const start = (part.partNumber - 1) * init.multipart.partSize;
                const end = Math.min(size, start + init.multipart.partSize) - 1;
                const answer = await putFileRange({ url: part.url }, bundle, { start, end }, tick);
                if (answer.status >= 300 || !answer.etag) {
                  throw new CliError(
                    `uploading part ${part.partNumber} failed (HTTP ${answer.status}); run publish again`,
                    EXIT.failed,
                    'UPLOAD_FAILED',
                  );
                }
                parts.push({ partNumber: part.partNumber, etag: answer.etag });
              }
              await client
                .call('POST', `/v1/uploads/${init.uploadId}/complete`, { body: { parts } })
                .catch(explainApiError);
            } else {
              const answer = await putFileRange(init, bundle, { start: 0, end: size - 1 }, tick);
              if (answer.status >= 300) {
                let message = `HTTP ${answer.status}`;
                try {
                  message = (JSON.parse(answer.body) as { error: { message: string } }).error.message;
                } catch {
                  // not the registry's error shape (a store's XML): keep the status
                }
                throw new CliError(`upload failed: ${message}`, EXIT.failed, 'UPLOAD_FAILED');
              }
            }
          } finally {
            bar.stop();
          }
          const result = await client
            .call<{
              extension: { slug: string };
              version: string;
              contentHash: string;
              signature: { status: string };
            }>('POST', `/v1/uploads/${init.uploadId}/finalize`, {
              body: signature === undefined ? {} : { signature },
            })
            .catch(explainApiError);
          out.result(
            result,
            `published ${result.extension.slug}@${result.version} (${result.signature.status})\n  ${result.contentHash}`,
          );
        } finally {
          if (work) rmSync(work, { recursive: true, force: true });
        }
      },
    );
}

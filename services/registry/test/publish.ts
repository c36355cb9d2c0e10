import type { Harness } from './harness.js';
import { makeBundle, sha256 } from './bundles.js';

/**
 * Publishes a version through the API as a client would (initiate, upload, finalize), with the
 * scaffold manifest plus `manifest` (name, version, capabilities, egress, config, secrets, events,
 * api.endpoints …). Answers the finalize result.
 */
export async function publishVersion(
  h: Harness,
  key: string,
  manifest: Record<string, unknown>,
): Promise<{ extension: { id: string; slug: string }; version: string; contentHash: string }> {
  const bytes = await makeBundle(manifest);
  const init = await h.call('POST', '/v1/uploads', key, { size: bytes.length, sha256: sha256(bytes) });
  if (init.statusCode !== 201) throw new Error(`initiate failed: ${init.body}`);
  const { uploadId, url } = init.json();
  const target = new URL(url);
  const put = await h.app.inject({ method: 'PUT', url: target.pathname + target.search, payload: bytes });
  if (put.statusCode !== 200) throw new Error(`upload failed: ${put.body}`);
  const finalize = await h.call('POST', `/v1/uploads/${uploadId}/finalize`, key, {});
  if (finalize.statusCode !== 201) throw new Error(`finalize failed: ${finalize.body}`);
  return finalize.json();
}

/**
 * HTTP helpers for tests that drive a running platform the way a client does: a JSON call with an
 * API key, a key minted by the admin, and a bundle published through initiate, upload, finalize.
 */
import { createHash } from 'node:crypto';
import { scaffoldManifest, tarArchive, zstdCompress } from './bundle-fixtures.js';

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body; empty when the body was not JSON (a 204, say). */
  json: Record<string, unknown>;
  headers: Headers;
}

/**
 * One JSON call; `key` undefined sends no authorization header. A string body goes as it is (to
 * send malformed JSON); anything else is serialized.
 */
export async function callApi(
  base: string,
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, json, headers: res.headers };
}

/** A new API key (`{role, tenantId?, publishers?}`) minted with an admin key. */
export async function createApiKey(
  base: string,
  adminKey: string,
  body: Record<string, unknown>,
): Promise<string> {
  const answer = await callApi(base, adminKey, 'POST', '/v1/api-keys', body);
  if (answer.status !== 201)
    throw new Error(`creating a key: HTTP ${answer.status} ${JSON.stringify(answer.json)}`);
  return answer.json.key as string;
}

/** `manifest.json` (filled in by scaffoldManifest) and a component in a `bundle.tar.zst`. */
export async function bundleBytes(
  manifest: Record<string, unknown>,
  wasm: Uint8Array = Buffer.from([0, 97, 115, 109, 13, 0, 1, 0]),
): Promise<Buffer> {
  return zstdCompress(
    tarArchive([
      { name: 'manifest.json', data: JSON.stringify(scaffoldManifest(manifest)) },
      { name: 'dist/main.wasm', data: Buffer.from(wasm) },
    ]),
  );
}

/**
 * Publishes bundle bytes: initiate, PUT to the returned URL, finalize. Throws unless the version
 * is created (201), so a test never goes on with a half-published extension.
 */
export async function publishBundle(base: string, publisherKey: string, bytes: Buffer): Promise<ApiAnswer> {
  const sha256 = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const init = await callApi(base, publisherKey, 'POST', '/v1/uploads', { size: bytes.length, sha256 });
  if (init.status !== 201) throw new Error(`initiate: HTTP ${init.status} ${JSON.stringify(init.json)}`);
  const put = await fetch(init.json.url as string, { method: 'PUT', body: bytes });
  if (!put.ok) throw new Error(`upload: HTTP ${put.status}`);
  const uploadId = init.json.uploadId as string;
  const finalized = await callApi(base, publisherKey, 'POST', `/v1/uploads/${uploadId}/finalize`, {});
  if (finalized.status !== 201) {
    throw new Error(`finalize: HTTP ${finalized.status} ${JSON.stringify(finalized.json)}`);
  }
  return finalized;
}

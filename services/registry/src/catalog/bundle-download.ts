import type { BundleStore } from '@annex/store';
import type { FastifyReply } from 'fastify';
import { storeFailure } from '../uploads/store-failure.js';

/**
 * Answers with a version's bundle: a 302 to a short-lived presigned GET where the store has one
 * (S3), else the bytes streamed from the store. Content addressed, so caches may keep it forever.
 */
export async function sendBundle(
  reply: FastifyReply,
  store: BundleStore,
  contentHash: string,
  filename: string,
) {
  const key = store.canonicalKey(contentHash, 'bundle');
  try {
    const url = await store.presignGet(key, { expiresInSeconds: 300, filename });
    if (url) return reply.redirect(url, 302);
    const object = await store.get(key);
    return reply
      .header('content-type', 'application/zstd')
      .header('content-length', String(object.size))
      .header('etag', `"${contentHash}"`)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .send(object.body);
  } catch (err) {
    throw storeFailure(err);
  }
}

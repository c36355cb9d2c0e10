import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliCompress, createGzip, constants as zlib } from 'node:zlib';
import { HttpError } from '@annex/server';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { BundleLease } from '../bundle-cache/bundle-cache.js';
import type { RunnerRuntime } from '../runner-runtime.js';
import { contentTypeOf, hasExtension, isCompressible, parseExtUiUrl } from './ext-ui-path.js';
import type { OwnershipCache } from './ownership.js';

export interface ExtUiRouteOptions {
  runtime: RunnerRuntime;
  /** null when EXT_UI_STRICT=false: any extension id may serve any hash (development only). */
  ownership: OwnershipCache | null;
  frameAncestors: string;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const COMPRESS_MIN_BYTES = 1024;
const ETAG_CACHE_MAX = 20_000;

const notFound = (message: string) => new HttpError(404, 'NOT_FOUND', message);

/**
 * `GET|HEAD /ext-ui/{extensionId}/{contentHash}/{*path}` (SPEC section 6): the `ui/` files of a
 * verified bundle as public, immutable assets. No bearer auth. Errors carry `no-store`.
 */
export const extUiRoute: FastifyPluginAsync<ExtUiRouteOptions> = async (app, options) => {
  const { runtime, ownership } = options;
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    `frame-ancestors ${options.frameAncestors}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  // Strong validators per file, keyed by bundle hash and path: a content-addressed file never changes.
  const etags = new Map<string, string>();

  async function etagOf(contentHash: string, rel: string, file: string): Promise<string> {
    const key = `${contentHash}:${rel}`;
    const known = etags.get(key);
    if (known) return known;
    const hash = createHash('sha256');
    await pipeline(createReadStream(file), hash);
    const etag = `"sha256-${hash.digest('hex')}"`;
    if (etags.size >= ETAG_CACHE_MAX) etags.delete(etags.keys().next().value!);
    etags.set(key, etag);
    return etag;
  }

  // Whatever the handler or the error handler produced: only successes are cacheable.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400) {
      void reply.header('cache-control', 'no-store');
      reply.removeHeader('etag');
      reply.removeHeader('content-security-policy');
    }
    return payload;
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/ext-ui/:extensionId/:contentHash/*',
    handler: async (request, reply) => {
      const target = parseExtUiUrl(request.raw.url ?? request.url);
      if (ownership && !(await ownership.owns(target.extensionId, target.contentHash))) {
        throw notFound(`extension ${target.extensionId} has no version ${target.contentHash}`);
      }
      const lease = await runtime.bundles.acquire(target.contentHash);
      let handedOff = false;
      try {
        const served = await serve(request, reply, lease, target.contentHash, target.segments);
        handedOff = served;
        return reply;
      } finally {
        if (!handedOff) lease.release();
      }
    },
  });

  /** Sends the answer; true when a stream now owns the lease (it releases it when the response ends). */
  async function serve(
    request: FastifyRequest,
    reply: FastifyReply,
    lease: BundleLease,
    contentHash: string,
    segments: string[],
  ): Promise<boolean> {
    const ui = lease.manifest.ui;
    if (!ui) throw notFound(`bundle ${contentHash} has no UI`);
    const root = join(lease.dir, 'ui');
    let rel = segments.join('/');
    let found = rel === '' ? null : await fileIn(root, rel);
    if (!found) {
      if (hasExtension(segments)) throw notFound(`no file ui/${rel} in bundle ${contentHash}`);
      rel = ui.entry.replace(/^ui\//, '');
      found = await fileIn(root, rel);
      if (!found) throw notFound(`the UI entry ${ui.entry} is missing from bundle ${contentHash}`);
    }
    const { file, size } = found;
    const type = contentTypeOf(rel);
    const etag = await etagOf(contentHash, rel, file);

    void reply.header('content-type', type);
    void reply.header('x-content-type-options', 'nosniff');
    // Module scripts are CORS requests, and a frame sandboxed without allow-same-origin has the
    // origin "null": public, credential-less assets may be read by anyone.
    void reply.header('access-control-allow-origin', '*');
    void reply.header('cache-control', IMMUTABLE);
    if (type.startsWith('text/html')) {
      void reply.header('content-security-policy', csp);
      void reply.header('referrer-policy', 'no-referrer');
    }

    const compressible = isCompressible(type) && size > COMPRESS_MIN_BYTES;
    if (compressible) void reply.header('vary', 'Accept-Encoding');
    const rangeHeader = request.headers.range;
    const ifRange = request.headers['if-range'];
    const rangeApplies = typeof rangeHeader === 'string' && (ifRange === undefined || ifRange === etag);
    const encoding = compressible && !rangeApplies ? pickEncoding(request.headers['accept-encoding']) : null;
    const variantTag = encoding ? `${etag.slice(0, -1)}-${encoding === 'br' ? 'br' : 'gz'}"` : etag;
    void reply.header('etag', variantTag);
    if (encoding) void reply.header('content-encoding', encoding);
    else void reply.header('accept-ranges', 'bytes');

    if (notModified(request.headers['if-none-match'], variantTag)) {
      void reply.status(304);
      reply.removeHeader('content-type');
      await reply.send();
      return false;
    }

    let start = 0;
    let end = size - 1;
    if (rangeApplies && !encoding) {
      const range = parseRange(rangeHeader, size);
      if (range === 'unsatisfiable') {
        throw new HttpError(
          416,
          'RANGE_NOT_SATISFIABLE',
          `the range ${rangeHeader} is outside 0-${size}`,
          undefined,
          {
            'content-range': `bytes */${size}`,
          },
        );
      }
      if (range) {
        [start, end] = range;
        void reply.status(206);
        void reply.header('content-range', `bytes ${start}-${end}/${size}`);
      }
    }
    if (!encoding) void reply.header('content-length', String(end - start + 1));
    if (request.method === 'HEAD' || size === 0) {
      await reply.send(size === 0 && request.method !== 'HEAD' ? '' : undefined);
      return false;
    }
    // Streamed from disk, never buffered; the lease is released when the response ends either way.
    const stream = createReadStream(file, { start, end });
    reply.raw.once('close', () => {
      stream.destroy();
      lease.release();
    });
    stream.once('close', () => lease.release());
    if (encoding) {
      const compressor =
        encoding === 'br'
          ? createBrotliCompress({
              params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: size },
            })
          : createGzip({ level: 6 });
      stream.once('error', (err) => compressor.destroy(err));
      await reply.send(stream.pipe(compressor));
    } else {
      await reply.send(stream);
    }
    return true;
  }
};

/** A regular file below `root` (no symlink escapes), or null when there is none. */
async function fileIn(root: string, rel: string): Promise<{ file: string; size: number } | null> {
  const file = join(root, ...rel.split('/'));
  try {
    const info = await lstat(file);
    if (!info.isFile()) return null;
    const real = await realpath(file);
    const realRoot = await realpath(root);
    if (!real.startsWith(realRoot + sep)) return null;
    return { file: real, size: info.size };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return null;
    throw err;
  }
}

function pickEncoding(accept: string | undefined): 'br' | 'gzip' | null {
  if (!accept) return null;
  const accepted = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name!.trim(), q === undefined ? 1 : Number(q));
  }
  const weight = (name: string) => accepted.get(name) ?? accepted.get('*') ?? 0;
  if (weight('br') > 0) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  return null;
}

function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** One `bytes=` range → [start, end]; null to ignore the header (malformed or several ranges). */
function parseRange(header: string, size: number): [number, number] | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, first, last] = m;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}

import { createReadStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface UploadTarget {
  url: string;
  headers?: Record<string, string>;
}

export interface UploadAnswer {
  status: number;
  etag?: string;
  body: string;
}

/**
 * PUTs a byte range of a file with an exact Content-Length (presigned S3 URLs sign it), streaming
 * from disk and reporting bytes as they leave. fetch would send a stream chunked, so node:http it is.
 */
export async function putFileRange(
  target: UploadTarget,
  file: string,
  range: { start: number; end: number },
  onBytes: (n: number) => void,
): Promise<UploadAnswer> {
  const url = new URL(target.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const length = range.end - range.start + 1;
  return new Promise<UploadAnswer>((resolve, reject) => {
    const req = send(
      url,
      { method: 'PUT', headers: { ...target.headers, 'content-length': String(length) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk.length < 65536 ? chunk : ''));
        res.on('end', () => {
          const etag = res.headers.etag;
          resolve({ status: res.statusCode ?? 0, body, ...(etag ? { etag } : {}) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        onBytes(chunk.length);
        done(null, chunk);
      },
    });
    pipeline(createReadStream(file, { start: range.start, end: range.end }), meter, req).catch(reject);
  });
}

/**
 * One outbound HTTP exchange on a connection to an address fixed in advance (no second DNS lookup),
 * with a deadline and a cap on the response body. Redirects are not followed here.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { FieldList } from '@annex/sdk';

export interface Exchange {
  url: URL;
  address: string;
  family: 4 | 6;
  method: string;
  headers: FieldList;
  body: Uint8Array | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
  signal: AbortSignal;
}

export interface ExchangeResult {
  status: number;
  headers: FieldList;
  body: Uint8Array;
}

export class ExchangeError extends Error {
  constructor(
    readonly kind: 'timeout' | 'too-large' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

function hostHeader(url: URL): string {
  return url.host; // host[:port], the port only when not the default
}

export function exchange(options: Exchange): Promise<ExchangeResult> {
  const { url } = options;
  const https = url.protocol === 'https:';
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: ExchangeError | undefined, result?: ExchangeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(result!);
    };
    const timer = setTimeout(
      () => finish(new ExchangeError('timeout', `no complete answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = () => finish(new ExchangeError('failed', 'the call ended'));
    options.signal.addEventListener('abort', onAbort);

    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of options.headers) {
      const existing = headers[name];
      headers[name] =
        existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
    headers.host = hostHeader(url);
    if (options.body) headers['content-length'] = String(options.body.length);

    const common = {
      host: options.address,
      family: options.family,
      port: Number(url.port || (https ? 443 : 80)),
      path: `${url.pathname}${url.search}`,
      method: options.method,
      headers,
      agent: false as const,
      setHost: false,
    };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxResponseBytes) {
          finish(new ExchangeError('too-large', `response body above ${options.maxResponseBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const pairs: FieldList = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        }
        const body = Buffer.concat(chunks);
        finish(undefined, {
          status: res.statusCode ?? 0,
          headers: pairs,
          body: new Uint8Array(body.buffer, body.byteOffset, body.length),
        });
      });
      res.on('error', (err) => finish(new ExchangeError('failed', err.message)));
    };
    let req: ReturnType<typeof httpRequest>;
    try {
      req = https
        ? httpsRequest(
            // SNI and certificate checks use the name the guest asked for, the socket the pinned address.
            { ...common, ...(isIP(hostname) === 0 ? { servername: hostname } : {}) },
            onResponse,
          )
        : httpRequest(common, onResponse);
    } catch (err) {
      // Node validates header names and values synchronously.
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      reject(new ExchangeError('failed', (err as Error).message));
      return;
    }
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(new ExchangeError('failed', `${err.code ?? 'error'}: ${err.message}`)),
    );
    req.end(
      options.body
        ? Buffer.from(options.body.buffer, options.body.byteOffset, options.body.length)
        : undefined,
    );
  });
}

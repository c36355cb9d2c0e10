import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** SPEC section 10: a client request id is kept when it matches this, else one is generated. */
export const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID_RE.test(value) ? value : randomUUID();
}

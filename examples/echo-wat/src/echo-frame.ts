import type { ExecuteRequest } from '@annex/sdk';

/** The content type of the echo component's answers. */
export const ECHO_CONTENT_TYPE = 'application/vnd.annex.echo';

/**
 * The echo frame: the whole execute-request, byte for byte, as echo.wat writes it. All integers are
 * u32 little-endian; a string is its UTF-8 byte length then the bytes.
 *
 *   request-id tenant-id extension-id install-id version content-hash   (6 strings, context-data order)
 *   method path                                                          (2 strings)
 *   query-count (name value)*                                            (u32, then string pairs)
 *   header-count (name value)*
 *   has-body (u8: 0 or 1), then when 1: body-length body-bytes
 */
export function encodeEchoFrame(req: ExecuteRequest): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const u32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    parts.push(b);
  };
  const bytes = (b: Uint8Array) => {
    u32(b.length);
    parts.push(b);
  };
  const str = (s: string) => bytes(encoder.encode(s));
  const { context: c, http } = req;
  for (const s of [c.requestId, c.tenantId, c.extensionId, c.installId, c.version, c.contentHash]) str(s);
  str(http.method);
  str(http.path);
  for (const list of [http.query, http.headers]) {
    u32(list.length);
    for (const [name, value] of list) {
      str(name);
      str(value);
    }
  }
  parts.push(Uint8Array.of(http.body ? 1 : 0));
  if (http.body) bytes(http.body);

  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads an echo frame back into the request it encodes; throws on a malformed or trailing frame. */
export function decodeEchoFrame(frame: Uint8Array): ExecuteRequest {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  const need = (n: number) => {
    if (at + n > frame.length) throw new Error(`echo frame truncated at byte ${at}`);
  };
  const u32 = () => {
    need(4);
    const n = view.getUint32(at, true);
    at += 4;
    return n;
  };
  const bytes = () => {
    const n = u32();
    need(n);
    const b = frame.slice(at, at + n);
    at += n;
    return b;
  };
  const str = () => decoder.decode(bytes());
  const pairs = () => Array.from({ length: u32() }, (): [string, string] => [str(), str()]);

  const context = {
    requestId: str(),
    tenantId: str(),
    extensionId: str(),
    installId: str(),
    version: str(),
    contentHash: str(),
  };
  const method = str();
  const path = str();
  const query = pairs();
  const headers = pairs();
  need(1);
  const hasBody = frame[at++];
  const body = hasBody === 1 ? bytes() : undefined;
  if (hasBody !== 0 && hasBody !== 1) throw new Error(`echo frame: bad body flag ${hasBody}`);
  if (at !== frame.length) throw new Error(`echo frame: ${frame.length - at} trailing bytes`);
  return { context, http: { method, path, query, headers, body } };
}

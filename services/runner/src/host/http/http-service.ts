/**
 * Main thread: `http.fetch` for a call holding `cap:http.fetch`. Every hop (the first request and
 * each redirect) is checked against the call's allowlist (request egress ∩ platform ceiling), then
 * resolved once, its addresses checked against the forbidden ranges, and connected to that address.
 */
import type { EgressRule } from '@annex/config';
import { IMPORT_CAPABILITIES, type FieldList, type HttpFetchError, type OutgoingRequest } from '@annex/sdk';
import { egressAllowlist, targetOf, type EgressAllowlist } from '../../egress/egress-allowlist.js';
import type { AddressPolicy } from '../../egress/forbidden-addresses.js';
import {
  EgressRefused,
  pinnedAddress,
  ResolutionFailed,
  type Resolver,
} from '../../egress/pinned-address.js';
import type { RunnerLimits } from '../../runner-limits.js';
import { fail, ok, type CallScope, type HostService } from '../factor.js';
import { exchange, ExchangeError } from './outbound-request.js';

export interface HttpServiceOptions {
  ceiling: readonly EgressRule[];
  limits: RunnerLimits['http'];
  resolver: Resolver;
  addressPolicy: AddressPolicy;
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE_RE = /[\u0000-\u0008\u000a-\u001f\u007f]/;
/** Set by the host (or meaningless across a proxy-less hop); silently dropped when a guest sends them. */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
]);
/** Not carried to another origin by a redirect. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const invalid = (message: string): HttpFetchError => ({ tag: 'invalid-request', val: message });
const notAllowed = (message: string): HttpFetchError => ({ tag: 'not-allowed', val: message });

function checkRequest(
  req: OutgoingRequest,
  maxRequestBytes: number,
): { method: string; url: URL; headers: FieldList } | HttpFetchError {
  if (typeof req?.method !== 'string' || !/^[A-Za-z]{1,16}$/.test(req.method)) return invalid('bad method');
  let url: URL;
  try {
    url = new URL(String(req.url));
  } catch {
    return invalid('the url is not an absolute URL');
  }
  if (url.username || url.password) return invalid('credentials in the url are not allowed');
  const headers: FieldList = [];
  for (const pair of Array.isArray(req.headers) ? req.headers : []) {
    const [name, value] = pair as [unknown, unknown];
    if (typeof name !== 'string' || !TOKEN_RE.test(name))
      return invalid(`bad header name ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || BAD_VALUE_RE.test(value)) return invalid(`bad value for header ${name}`);
    const lower = name.toLowerCase();
    if (!HOP_HEADERS.has(lower)) headers.push([lower, value]);
  }
  if (req.body !== undefined && !(req.body instanceof Uint8Array)) return invalid('body must be bytes');
  if (req.body && req.body.length > maxRequestBytes) {
    return invalid(`body larger than ${maxRequestBytes} bytes`);
  }
  return { method: req.method.toUpperCase(), url, headers };
}

export function httpService(options: HttpServiceOptions): HostService {
  const { limits } = options;
  const allowlists = new WeakMap<CallScope, EgressAllowlist>();
  const allowlistOf = (call: CallScope) => {
    let list = allowlists.get(call);
    if (!list) {
      // The request's list was validated when the call was accepted; a bad entry cannot reach here.
      list = egressAllowlist(call.request.egress ?? [], options.ceiling);
      allowlists.set(call, list);
    }
    return list;
  };

  async function fetchFor(req: OutgoingRequest, call: CallScope) {
    const checked = checkRequest(req, limits.maxRequestBytes);
    if ('tag' in checked) return fail(checked);
    let { method, url, headers } = checked;
    let body = req.body;
    const wanted =
      typeof req.timeoutMs === 'number' && req.timeoutMs > 0 ? req.timeoutMs : limits.maxTimeoutMs;
    const deadline = Math.min(Date.now() + Math.min(wanted, limits.maxTimeoutMs), call.deadline);
    const allowlist = allowlistOf(call);

    for (let hop = 0; ; hop++) {
      const target = targetOf(url);
      if (!target) return fail(notAllowed(`scheme ${url.protocol} is not allowed`));
      if (!allowlist.allows(target)) {
        return fail(
          notAllowed(`${target.scheme}://${target.host}:${target.port} is not in the egress allowlist`),
        );
      }
      let pinned;
      try {
        pinned = await pinnedAddress(target.host, options.resolver, options.addressPolicy);
      } catch (err) {
        if (err instanceof EgressRefused) return fail(notAllowed(err.message));
        if (err instanceof ResolutionFailed) return fail({ tag: 'failed', val: err.message });
        throw err;
      }
      const timeoutMs = deadline - Date.now();
      if (timeoutMs <= 0) return fail({ tag: 'timeout' });
      call.egressBytes += body?.length ?? 0;
      let result;
      try {
        result = await exchange({
          url,
          ...pinned,
          method,
          headers,
          body,
          timeoutMs,
          maxResponseBytes: limits.maxResponseBytes,
          signal: call.signal,
        });
      } catch (err) {
        if (err instanceof ExchangeError) {
          return fail(err.kind === 'failed' ? { tag: 'failed', val: err.message } : { tag: err.kind });
        }
        throw err;
      }
      call.egressBytes += result.body.length;
      const location = result.headers.find(([name]) => name === 'location')?.[1];
      if (!REDIRECTS.has(result.status) || location === undefined) {
        return ok({ status: result.status, headers: result.headers, body: result.body });
      }
      if (hop >= limits.maxRedirects) {
        return fail({ tag: 'failed', val: `more than ${limits.maxRedirects} redirects` });
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return fail({ tag: 'failed', val: 'redirect to an invalid location' });
      }
      if (next.origin !== url.origin) headers = headers.filter(([name]) => !CREDENTIAL_HEADERS.has(name));
      if (result.status === 303 || ((result.status === 301 || result.status === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers = headers.filter(([name]) => name !== 'content-type');
      }
      url = next;
    }
  }

  return {
    name: 'http',
    capability: IMPORT_CAPABILITIES.http,
    unavailable: { tag: 'failed', val: 'internal error' },
    async invoke(fn, args, call) {
      if (fn !== 'fetch') return fail({ tag: 'failed', val: 'unknown function' });
      return fetchFor(args[0] as OutgoingRequest, call);
    },
  };
}

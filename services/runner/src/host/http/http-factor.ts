import { HOST_IMPORTS, IMPORT_CAPABILITIES, type HttpResponse, type OutgoingRequest } from '@annex/sdk';
import type { GuestFactor } from '../factor.js';

/** `cap:http.fetch`: bridged to the main thread, which applies the egress policy and does the I/O. */
export const httpFactor: GuestFactor<'http'> = {
  name: 'http',
  capability: IMPORT_CAPABILITIES.http,
  witInterface: HOST_IMPORTS.http,
  link: (scope) => ({
    fetch: (req: OutgoingRequest) =>
      scope.bridge('http', 'fetch', [
        {
          method: req?.method,
          url: req?.url,
          headers: req?.headers,
          body: req?.body,
          timeoutMs: req?.timeoutMs,
        },
      ]) as HttpResponse,
  }),
  denied: () => ({
    fetch() {
      throw { tag: 'denied' };
    },
  }),
};

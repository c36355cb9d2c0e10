// The author-facing API. Everything here also loads in plain Node (the host wrappers then throw until
// useHostBindings is called), so handlers can be unit-tested without building a component.
export type * from './wit-types.js';
export {
  WIT_PACKAGE,
  WORLD,
  HOST_IMPORTS,
  HANDLER_EXPORT,
  IMPORT_CAPABILITIES,
  hostImportObject,
} from './import-specifiers.js';
export { HttpError } from './http-error.js';
export {
  bytes,
  json,
  text,
  html,
  empty,
  errorResponse,
  badRequest,
  notFound,
  type HeadersInit,
} from './responses.js';
export { header, queryParam, queryParams, readText, readJson } from './read-request.js';
export { readEvent, isEvent, EVENT_HEADERS, type AnnexEvent } from './event.js';
export {
  route,
  ROUTE_METHODS,
  type Handle,
  type RouteHandler,
  type RouteOptions,
  type RouteParams,
  type ParamNames,
} from './router.js';
export { defineHandler } from './define-handler.js';
export { useHostBindings, type HostBindings } from './host/host-bindings.js';
export { HostError, isHostError, type HostInterface } from './host/host-error.js';
export { context, currentUser } from './host/context.js';
export { log, type LogFields } from './host/log.js';
export { config } from './host/config.js';
export { secrets } from './host/secrets.js';
export { kv, type KvWriteOptions, type KvListOptions, type KvUpdateOptions } from './host/kv.js';
export { fetch, type FetchInit, type FetchResponse } from './host/fetch.js';

export { createClient, type AnnexClient } from './client.js';
export { AnnexApiError, AnnexNetworkError } from './api-error.js';
export type { ClientOptions, RequestOptions } from './transport.js';
export type { GatewayCallOptions } from './gateway-call.js';
export type * from './types.js';

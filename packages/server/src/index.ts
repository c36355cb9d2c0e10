export { createServer, type CreateServerOptions } from './create-server.js';
export { HttpError, errorBody, type ErrorBody } from './http-error.js';
export { installErrorHandling } from './error-handler.js';
export { loggerOptions } from './logger.js';
export { REQUEST_ID_RE, requestIdFrom } from './request-id.js';
export { opsRoutes, bearerMatches, type ReadinessCheck, type OpsRoutesOptions } from './ops-routes.js';
export { exitOnSignals, type ShutdownOptions } from './graceful-shutdown.js';
export { openServiceResources, readinessChecks, type ServiceResources } from './service-resources.js';
export { runStandalone, type BuildService } from './run-standalone.js';
export { describeStartupError, failStartup } from './startup-error.js';
export {
  createServiceMetrics,
  installHttpMetrics,
  outcomeLabel,
  Counter,
  Gauge,
  Histogram,
  type Registry,
  type ServiceMetrics,
} from './metrics.js';
export { createRedisClient, closeRedisClient, observeRedis } from './redis-client.js';

export { buildRegistryApp, type RegistryAppOptions } from './app.js';
export { rotateSecretKeks, type RotationOutcome } from './secrets/rotate-kek.js';
export {
  createRunnerClient,
  type RunnerClient,
  type RunnerOutcome,
  type ExecuteEnvelope,
} from './gateway/runner-client.js';
export { purgeExpired, type PurgeCounts } from './executions/retention.js';

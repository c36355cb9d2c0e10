export type { Config, QuotaLimits, EnvValues, StoreSettings, DatabaseSettings, LogLevel } from './config.js';
export { ConfigError } from './config-error.js';
export { loadConfig, loadDatabaseSettings, type LoadConfigOptions } from './load-config.js';
export {
  VARIABLES,
  VARIABLE_NAMES,
  type VariableName,
  type VariableSpec,
  type ServiceName,
} from './variables.js';
export { configFingerprint, compareFingerprints, SHARED_SETTINGS, type Fingerprint } from './fingerprint.js';
export { parseEgressList, parseEgressRule, formatEgressRule, type EgressRule } from './egress-list.js';
export { parseKeks, deriveKekId, type Kek } from './secrets-kek.js';
export { readOrCreateLocalSecret, localSecretPath, type LocalSecretName } from './local-secrets.js';
export { renderConfigTable, replaceConfigTable, TABLE_START, TABLE_END } from './config-table.js';
